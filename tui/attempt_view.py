"""What the UI knows about one attempt: built live from engine events or loaded from a record.

Pure state, no widgets: the app applies events here, then renders the selected attempt.
"""

from dataclasses import dataclass, field

from core.history import AttemptRecord
from core.llm.base import Usage
from core.sandbox.base import RunResult

# stream kinds shown in the output pane: program streams plus the pane's own status lines
OUTPUT_KINDS = ("stdout", "stderr", "compile", "meta")

STATUS_ICONS = {
    "generating": "✎", "running": "▶", "ok": "✔", "error": "✘", "compile_error": "⚙",
    "timeout": "⏱", "oom": "▲", "killed": "☠", "sandbox_error": "!", "no_code": "∅",
    "wrong_output": "≠", "tests_failed": "✘", "cancelled": "■", "model_error": "!",
    "waiting": "…",
}

ORIGIN_LABELS = {"model": "model", "manual": "edit", "fix": "fix"}


@dataclass
class AttemptView:
    number: int
    origin: str
    based_on: int | None
    language: str = ""
    status: str = "generating"
    reasoning: str = ""
    answer: str = ""
    code: str | None = None
    command: list[str] = field(default_factory=list)
    output: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) chunks in order
    exit_code: int | None = None
    verdict: str = ""
    total_s: float | None = None
    tokens_per_second: float | None = None
    prompt: list[dict[str, str]] = field(default_factory=list)
    record: AttemptRecord | None = None

    @property
    def finished(self) -> bool:
        return self.record is not None

    @property
    def icon(self) -> str:
        return STATUS_ICONS.get(self.status, "?")

    def add_usage(self, usage: Usage) -> None:
        self.tokens_per_second = usage.tokens_per_second

    def add_run_result(self, result: RunResult) -> None:
        self.exit_code = result.exit_code
        self.output.append(("meta", run_summary(result.status.value, result.exit_code,
                                                result.compile_seconds, result.run_seconds,
                                                result.output_truncated, result.detail)))

    def finish(self, record: AttemptRecord) -> None:
        """Take the engine's final word on this attempt (status, verdict, durations)."""
        self.record = record
        self.status = record.status
        self.verdict = record.verdict
        self.code = record.code
        self.prompt = record.prompt
        self.reasoning = record.reasoning or self.reasoning
        self.total_s = record.durations.get("total_s")
        if record.usage:
            self.tokens_per_second = record.usage.get("tokens_per_second")

    @classmethod
    def from_record(cls, record: AttemptRecord) -> "AttemptView":
        """An attempt of a past session: its output is rebuilt from the saved streams."""
        view = cls(number=record.number, origin=record.origin, based_on=record.based_on,
                   language=record.language, answer=record.raw_text)
        if record.command:
            view.output.append(("meta", "$ " + " ".join(record.command)))
        for kind, text in (("compile", record.compile_output), ("stdout", record.stdout),
                           ("stderr", record.stderr)):
            if text:
                view.output.append((kind, text if text.endswith("\n") else text + "\n"))
        if record.status not in ("no_code", "cancelled", "model_error") or record.exit_code is not None:
            durations = record.durations
            view.output.append(("meta", run_summary(record.status, record.exit_code,
                                                    durations.get("compile_s", 0.0),
                                                    durations.get("run_s", 0.0),
                                                    record.output_truncated, "")))
        view.finish(record)
        return view


def run_summary(status: str, exit_code: int | None, compile_s: float, run_s: float,
                truncated: bool, detail: str) -> str:
    """One status line for the output pane, e.g. `── error · exit 1 · run 0.12 s ──`."""
    parts = [status]
    if exit_code is not None:
        parts.append(f"exit {exit_code}")
    if compile_s:
        parts.append(f"compile {compile_s:.2f} s")
    parts.append(f"run {run_s:.2f} s")
    if truncated:
        parts.append("output truncated")
    if detail:
        parts.append(detail)
    return "── " + " · ".join(parts) + " ──\n"
