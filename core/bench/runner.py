"""Run benchmark tasks through the real engine: one Session per task, the task's checker given
to the judge as hidden checks (the model sees only the prompt), tasks run by `jobs` worker
threads. One model generates at a time (SerializedModel); sandbox runs of other tasks overlap."""

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from core.bench.tasks import BenchTask
from core.bench.verify import task_limits
from core.cancel import CancelToken
from core.config import Config, LimitsConfig
from core.engine import Session, TaskSpec
from core.errors import AssistantError
from core.events import AttemptFinished, Event
from core.history import AttemptRecord
from core.llm.base import Delta, Message, ModelBackend, ModelInfo, SamplingParams, Usage
from core.sandbox.base import Sandbox


@dataclass
class TaskResult:
    task_id: str
    language: str
    title: str
    passed: bool
    first_pass_attempt: int | None   # the attempt at which it first passed; None when it never did
    attempts: int
    statuses: list[str]              # each attempt's status, in order
    completion_tokens: int
    prompt_tokens_evaluated: int
    seconds: float                   # the task's own time (waiting for the model lock excluded)
    reason: str                      # the session's end: passed, attempts_exhausted, cancelled, error: …
    output_dir: str
    final_verdict: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class SerializedModel:
    """A ModelBackend shared by several sessions: one generation at a time across threads.
    `waited_s` counts the time this session's generations spent waiting for their turn."""

    def __init__(self, model: ModelBackend, lock: threading.Lock) -> None:
        self._model = model
        self._lock = lock
        self.waited_s = 0.0

    def info(self) -> ModelInfo:
        return self._model.info()

    def count_tokens(self, conversation: Sequence[Message]) -> int:
        with self._turn():
            return self._model.count_tokens(conversation)

    def stream(self, conversation: Sequence[Message], params: SamplingParams,
               cancel: CancelToken) -> Iterator[Delta | Usage]:
        with self._turn():
            yield from self._model.stream(conversation, params, cancel)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        asked = time.perf_counter()
        with self._lock:
            self.waited_s += time.perf_counter() - asked
            yield

    def close(self) -> None:
        """The shared model is closed by its owner, not by one session."""


class BenchRun:
    """A benchmark run: run() blocks until every task is done; cancel() (from any thread) stops
    every running session, and tasks not yet started end as cancelled."""

    def __init__(self, tasks: Sequence[BenchTask], config: Config, model: ModelBackend, sandbox: Sandbox,
                 run_dir: Path, jobs: int = 1,
                 on_attempt: Callable[[BenchTask, AttemptRecord], None] | None = None,
                 on_task_done: Callable[[TaskResult], None] | None = None) -> None:
        self.tasks = tasks
        self.config = config
        self.model = model
        self.sandbox = sandbox
        self.run_dir = run_dir
        self.jobs = jobs
        self.on_attempt = on_attempt
        self.on_task_done = on_task_done
        self._sessions: dict[str, Session] = {}
        self._cancelled = threading.Event()
        self._guard = threading.Lock()

    def run(self) -> list[TaskResult]:
        """Every task, `jobs` at a time; results in the order of `tasks`."""
        (self.run_dir / "sessions").mkdir(parents=True, exist_ok=True)
        model_lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=max(1, self.jobs), thread_name_prefix="bench") as pool:
            futures = [pool.submit(self._run_task, task, model_lock) for task in self.tasks]
            return [future.result() for future in futures]

    def cancel(self) -> None:
        self._cancelled.set()
        with self._guard:
            for session in self._sessions.values():
                session.cancel()

    def _run_task(self, task: BenchTask, model_lock: threading.Lock) -> TaskResult:
        started = time.perf_counter()
        model = SerializedModel(self.model, model_lock)
        config = replace(self.config, limits=_limits_for(task, self.config.limits))
        spec = TaskSpec(task=task.prompt, language=task.language, expect_output=task.expect_output,
                        expect_whitespace=task.whitespace, test_file=self._test_file(task),
                        hidden_checks=True)

        def emit(event: Event) -> None:
            if isinstance(event, AttemptFinished) and self.on_attempt is not None:
                self.on_attempt(task, event.record)

        session = Session(spec, config, model, self.sandbox, emit, output_root=self.run_dir / "sessions")
        with self._guard:
            self._sessions[task.id] = session
        try:
            if self._cancelled.is_set():
                reason = "cancelled"
            else:
                reason = session.run().reason
        except AssistantError as exc:
            reason = f"error: {exc}"
        finally:
            with self._guard:
                self._sessions.pop(task.id, None)
        result = _task_result(task, session.records, reason, str(session.output_dir),
                              time.perf_counter() - started - model.waited_s)
        if self.on_task_done is not None:
            self.on_task_done(result)
        return result

    def _test_file(self, task: BenchTask) -> Path | None:
        """The hidden tests as a file for the engine, kept beside the sessions (never shown)."""
        if task.tests is None:
            return None
        folder = self.run_dir / "checks" / task.id.replace("/", "_")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / task.test_name
        path.write_text(task.tests, encoding="utf-8")
        return path


def _limits_for(task: BenchTask, limits: LimitsConfig) -> LimitsConfig:
    tight = task_limits(task, limits.to_run_limits())
    return replace(limits, timeout_seconds=tight.timeout_seconds)


def _task_result(task: BenchTask, records: list[AttemptRecord], reason: str, output_dir: str,
                 seconds: float) -> TaskResult:
    first = next((r.number for r in records if r.passed), None)
    usages = [r.usage for r in records if r.usage]
    return TaskResult(
        task_id=task.id, language=task.language.name, title=task.title,
        passed=first is not None, first_pass_attempt=first, attempts=len(records),
        statuses=[r.status for r in records],
        completion_tokens=sum(int(u.get("completion_tokens", 0)) for u in usages),
        prompt_tokens_evaluated=sum(int(u.get("prompt_tokens_evaluated", 0)) for u in usages),
        seconds=round(max(0.0, seconds), 3), reason=reason, output_dir=output_dir,
        final_verdict=records[-1].verdict if records else "",
    )
