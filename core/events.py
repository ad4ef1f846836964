"""Typed events a Session emits for every step, so any face (CLI, TUI, bench) can render it live.

Events are emitted from the thread running the Session method; faces forward them to their own
thread. Text in events (model output, program output) is hostile: render it as plain text.
"""

from dataclasses import dataclass

from core.history import AttemptRecord
from core.llm.base import ModelInfo, Usage
from core.sandbox.base import RunResult


@dataclass(frozen=True)
class SessionStarted:
    task: str
    language: str
    output_dir: str
    model: ModelInfo | None
    sandbox: str


@dataclass(frozen=True)
class AttemptStarted:
    attempt: int
    origin: str  # "model" | "manual" | "fix"
    based_on: int | None


@dataclass(frozen=True)
class ModelDelta:
    attempt: int
    channel: str  # "reasoning" | "answer"
    text: str


@dataclass(frozen=True)
class ModelFinished:
    attempt: int
    usage: Usage


@dataclass(frozen=True)
class CodeReady:
    attempt: int
    code: str | None  # None: the answer held no code block (verdict no_code)


@dataclass(frozen=True)
class RunStarted:
    attempt: int
    command: list[str]


@dataclass(frozen=True)
class RunOutput:
    attempt: int
    stream: str  # "stdout" | "stderr" | "compile"
    text: str


@dataclass(frozen=True)
class RunFinished:
    attempt: int
    result: RunResult


@dataclass(frozen=True)
class AttemptFinished:
    attempt: int
    record: AttemptRecord


@dataclass(frozen=True)
class StepPaused:
    after_attempt: int


@dataclass(frozen=True)
class Notice:
    level: str  # "info" | "warning" | "error"
    text: str


@dataclass(frozen=True)
class SessionFinished:
    success: bool
    final_attempt: int | None
    output_dir: str
    reason: str  # "passed" | "attempts_exhausted" | "cancelled" | "error: ..."


Event = (
    SessionStarted | AttemptStarted | ModelDelta | ModelFinished | CodeReady | RunStarted
    | RunOutput | RunFinished | AttemptFinished | StepPaused | Notice | SessionFinished
)
