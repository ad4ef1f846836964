"""Fixtures for the TUI tests: a shared warm Docker sandbox, and apps built around a scripted
model so every flow is reproducible."""

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from core.config import Config
from core.sandbox.base import Sandbox
from tests.conftest import require
from tests.tui.scripted_model import Script, ScriptedModel
from tui.app import AssistantApp


class SharedSandbox:
    """Hands one warm sandbox to many apps: the app's close() on exit is ignored here, the
    fixture closes the real one at the end of the test session."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.kind = sandbox.kind
        self.isolated = sandbox.isolated

    def check(self, language):
        return self._sandbox.check(language)

    def run(self, *args, **kwargs):
        return self._sandbox.run(*args, **kwargs)

    def close(self) -> None:
        pass


@pytest.fixture(scope="session")
def docker_sandbox():
    from core.sandbox import docker
    from core.sandbox.factory import open_sandbox

    config = Config()
    reason = docker.unavailable_reason(config.docker)
    require(reason is None, f"the Docker sandbox ({reason})")
    sandbox = open_sandbox(config, "docker")
    yield SharedSandbox(sandbox)
    sandbox.close()


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., AssistantApp]:
    """make_app(scripts, sandbox, **config_overrides) → an app whose model plays `scripts`."""

    def make(scripts: Sequence[Script], sandbox, *, model: ScriptedModel | None = None,
             **kwargs) -> AssistantApp:
        scripted = model or ScriptedModel(scripts)
        config = Config(output_dir=str(tmp_path / "output"), **kwargs)
        app = AssistantApp(config, model_opener=lambda config, progress: scripted,
                           sandbox_opener=lambda config: sandbox)
        app.scripted_model = scripted  # type: ignore[attr-defined]
        return app

    return make


async def settle(pilot, timeout: float = 60.0) -> None:
    """Wait until every worker is done and every message they posted has been handled."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not app.engine_busy and not any(w.is_running for w in app.workers):
            break
        if loop.time() > deadline:
            raise TimeoutError("the app did not settle")
        await asyncio.sleep(0.02)
    app.flush_panes()
    await pilot.pause()


async def wait_until(pilot, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await pilot.pause(0.02)
    pilot.app.flush_panes()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
