"""The stderr progress renderer: spinner only on a terminal, hostile text made visible."""

import io
import time

from core.cli.progress import ProgressReporter
from core.events import AttemptStarted, ModelDelta, Notice, RunOutput


def test_on_a_terminal_a_spinner_line_is_redrawn_while_the_model_writes():
    stream = io.StringIO()
    reporter = ProgressReporter(stream, tty=True, max_attempts=3)
    reporter.handle(AttemptStarted(1, "model", None))
    time.sleep(0.35)
    reporter.close()
    text = stream.getvalue()
    assert text.count("\r\x1b[2K") >= 3 and "attempt 1/3: the model is writing…" in text


def test_off_a_terminal_status_is_one_plain_line_without_escapes():
    stream = io.StringIO()
    reporter = ProgressReporter(stream, tty=False, max_attempts=3)
    reporter.handle(AttemptStarted(1, "model", None))
    for _ in range(20):
        reporter.handle(ModelDelta(1, "answer", "tok"))
    reporter.close()
    assert stream.getvalue() == "attempt 1/3: the model is writing…\n"


def test_program_output_is_prefixed_per_line_and_control_characters_are_escaped():
    stream = io.StringIO()
    reporter = ProgressReporter(stream, tty=False)
    reporter.handle(RunOutput(1, "stdout", "a\x1b[31mred\nsecond "))
    reporter.handle(RunOutput(1, "stdout", "half\n"))
    reporter.handle(Notice("warning", "bell\x07"))
    assert stream.getvalue() == "  │ a\\x1b[31mred\n  │ second half\nwarning: bell\\x07\n"


def test_quiet_prints_nothing():
    stream = io.StringIO()
    reporter = ProgressReporter(stream, quiet=True, tty=True)
    reporter.handle(AttemptStarted(1, "model", None))
    reporter.handle(RunOutput(1, "stdout", "x\n"))
    reporter.close()
    assert stream.getvalue() == ""
