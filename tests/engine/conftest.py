"""Fixtures for engine tests: a Session wired to a scripted model and a sandbox double."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from core.config import Config, LimitsConfig
from core.engine import Session, TaskSpec
from core.languages import resolve_language
from tests.support.fake_sandbox import FakeSandbox
from tests.support.scripted_model import ScriptedModel


class Harness:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.events: list = []

    def session(self, answers, results=(), *, language="python", sandbox=None, context_size=8192,
                max_attempts=5, step_mode=False, on_event=None, **spec_fields) -> Session:
        self.model = ScriptedModel(answers, context_size=context_size)
        self.sandbox = sandbox if sandbox is not None else FakeSandbox(results)
        config = replace(Config(), max_debug_attempts=max_attempts, step_mode=step_mode,
                         limits=LimitsConfig(timeout_seconds=2.0))

        def emit(event):
            self.events.append(event)
            if on_event is not None:
                on_event(event)

        spec = TaskSpec(task="print hello", language=resolve_language(language), **spec_fields)
        return Session(spec, config, self.model, self.sandbox, emit, output_root=self.tmp_path / "output")

    def kinds(self) -> list[str]:
        return [type(e).__name__ for e in self.events]

    def of(self, kind: str) -> list:
        return [e for e in self.events if type(e).__name__ == kind]

    @staticmethod
    def history(session: Session) -> dict:
        return json.loads((session.output_dir / "debug_history.json").read_text())


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    return Harness(tmp_path)
