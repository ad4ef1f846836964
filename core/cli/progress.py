"""Live progress of a headless session on stderr: one line per step, the program's output as it
streams, and (on a terminal only) a spinner line while the model loads or writes.

Model and program text is hostile: every piece goes through visible_controls before it reaches
the terminal, so escape sequences show as `\\x1b` instead of acting.
"""

import threading
import time
from typing import TextIO

from core.events import (
    AttemptFinished,
    AttemptStarted,
    CodeReady,
    Event,
    ModelDelta,
    ModelFinished,
    Notice,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
    StepPaused,
)
from core.textsafe import visible_controls

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
OUTPUT_PREFIX = "  │ "


class ProgressReporter:
    """Renders engine events. Thread-safe: events come from the session's worker thread."""

    def __init__(self, stream: TextIO, quiet: bool = False, tty: bool | None = None,
                 max_attempts: int | None = None) -> None:
        self.stream = stream
        self.quiet = quiet
        self.tty = stream.isatty() if tty is None else tty
        self.max_attempts = max_attempts
        self._lock = threading.RLock()
        self._status: str | None = None
        self._status_since = 0.0
        self._frame = 0
        self._at_line_start = True
        self._deltas = 0
        self._attempt_prefix = "attempt"
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ---- status line (spinner) ---------------------------------------------------------------

    def status(self, text: str | None) -> None:
        """Show `text` with a spinner (tty) or as one plain line (not a tty); None clears it."""
        if self.quiet:
            return
        with self._lock:
            if not self.tty:
                if text is not None and text != self._status:
                    self._write_line(text)
                self._status = text
                return
            self._clear_status()
            self._status = text
            self._status_since = time.monotonic()
            self._draw_status()
            if text is not None and self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, daemon=True)
                self._ticker.start()

    def progress(self, message: str, fraction: float) -> None:
        """on_progress for open_model."""
        percent = f" {fraction:.0%}" if 0 < fraction < 1 else ""
        self.status(visible_controls(message) + percent)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            if self.tty:
                self._clear_status()
            self._status = None

    def _tick(self) -> None:
        while not self._stop.wait(0.1):
            with self._lock:
                if self._status is not None:
                    self._frame += 1
                    self._draw_status()

    def _draw_status(self) -> None:
        if self._status is None or not self._at_line_start:
            return
        elapsed = time.monotonic() - self._status_since
        self.stream.write(f"\r\x1b[2K{SPINNER[self._frame % len(SPINNER)]} {self._status} ({elapsed:.0f} s)")
        self.stream.flush()

    def _clear_status(self) -> None:
        if self.tty and self._status is not None and self._at_line_start:
            self.stream.write("\r\x1b[2K")

    def _write_line(self, text: str) -> None:
        with self._lock:
            self._clear_status()
            if not self._at_line_start:
                self.stream.write("\n")
                self._at_line_start = True
            self.stream.write(text + "\n")
            self.stream.flush()

    def line(self, text: str) -> None:
        if not self.quiet:
            self._write_line(text)

    # ---- events -------------------------------------------------------------------------------

    def handle(self, event: Event) -> None:
        if self.quiet:
            return
        if isinstance(event, ModelDelta):
            self._on_delta(event)
        elif isinstance(event, RunOutput):
            self._on_output(event.text)
        elif isinstance(event, SessionStarted):
            model = f", model {event.model.name}" if event.model else ""
            self.line(f"task: {visible_controls(event.task)[:200]}")
            self.line(f"{event.language} in the {event.sandbox} sandbox{model}; output in {event.output_dir}")
        elif isinstance(event, AttemptStarted):
            self._deltas = 0
            of = f"/{self.max_attempts}" if self.max_attempts and event.origin != "manual" else ""
            based = f", fixing attempt {event.based_on}" if event.based_on else ""
            self._attempt_prefix = f"attempt {event.attempt}{of}"
            self.status(f"{self._attempt_prefix}: the model is writing{based}…")
        elif isinstance(event, ModelFinished):
            self.status(None)
            usage = event.usage
            reused = f", {usage.prompt_tokens_reused} prompt tokens reused" if usage.prompt_tokens_reused else ""
            self.line(f"attempt {event.attempt}: {usage.completion_tokens} tokens in {usage.total_seconds:.1f} s "
                      f"({usage.tokens_per_second:.1f} tok/s{reused})")
        elif isinstance(event, CodeReady):
            self.status(None)
            if event.code is None:
                self.line(f"attempt {event.attempt}: no code block in the answer")
            else:
                lines = len(event.code.splitlines())
                self.line(f"attempt {event.attempt}: {lines} line{'s' if lines != 1 else ''} of code")
        elif isinstance(event, RunStarted):
            self.line(f"attempt {event.attempt}: $ {visible_controls(' '.join(event.command))}")
        elif isinstance(event, AttemptFinished):
            self._end_output()
            record = event.record
            mark = "passed" if record.passed else f"FAILED ({record.status})"
            took = record.durations.get("total_s", 0.0)
            self.line(f"attempt {event.attempt}: {mark} in {took:.2f} s — {visible_controls(record.verdict)}")
        elif isinstance(event, StepPaused):
            self.line(f"paused after attempt {event.after_attempt}")
        elif isinstance(event, Notice):
            self.line(f"{event.level}: {visible_controls(event.text)}")
        elif isinstance(event, SessionFinished):
            self.status(None)
            if event.success:
                self.line(f"passed on attempt {event.final_attempt}; files in {event.output_dir}")
            else:
                self.line(f"no passing code ({event.reason}); files in {event.output_dir}")

    def _on_delta(self, event: ModelDelta) -> None:
        self._deltas += 1
        if self.tty and self._deltas % 8 == 0:
            with self._lock:
                what = "thinking" if event.channel == "reasoning" else "writing"
                self._status = f"{self._attempt_prefix}: the model is {what}… {self._deltas} tokens"
                self._draw_status()

    def _on_output(self, text: str) -> None:
        with self._lock:
            self._clear_status()
            if self.tty:
                self._status = None
            for piece in visible_controls(text).splitlines(keepends=True):
                if self._at_line_start:
                    self.stream.write(OUTPUT_PREFIX)
                self.stream.write(piece)
                self._at_line_start = piece.endswith("\n")
            self.stream.flush()

    def _end_output(self) -> None:
        with self._lock:
            if not self._at_line_start:
                self.stream.write("\n")
                self._at_line_start = True
