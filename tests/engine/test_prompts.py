"""Prompt text and the trimming of program output quoted back to the model."""

from core.history import AttemptRecord
from core.languages import resolve_language
from core.llm.base import Message
from core.prompts import fit_conversation, repair_message, system_prompt, tail, trim_traceback

DEEP = "Traceback (most recent call last):\n" + "".join(
    f'  File "/w/main.py", line {n}, in f{n}\n    f{n + 1}()\n' for n in range(10)
) + "RecursionError: too deep\n"


def test_system_prompt_asks_for_one_fenced_block_no_stdin_and_self_checks():
    text = system_prompt(resolve_language("java"))
    assert "single fenced code block tagged ```java" in text
    assert "do not read input unless the task asks" in text
    assert "checks the results" in text and "public class must be named Main" in text


def test_traceback_keeps_the_last_frames_and_the_error_line():
    trimmed = trim_traceback(DEEP, frames=2)
    assert trimmed.startswith("Traceback (most recent call last):")
    assert "[... 8 earlier frames ...]" in trimmed
    assert "in f9" in trimmed and "in f8" in trimmed and "in f7" not in trimmed
    assert trimmed.endswith("RecursionError: too deep")


def test_traceback_after_program_output_is_found_and_chained_tracebacks_keep_the_last():
    text = "noise\n" + DEEP + "\nDuring handling...\n" + DEEP.replace("RecursionError", "ValueError")
    assert trim_traceback(text).endswith("ValueError: too deep")


def test_tail_marks_what_it_left_out_and_clips_long_lines():
    text = "".join(f"{n}\n" for n in range(100)) + "y" * 1000 + "\n"
    cut = tail(text, 3)
    assert cut.splitlines()[0] == "[... 98 earlier lines ...]"
    assert cut.endswith("[...]") and len(cut.splitlines()[-1]) < 420


def test_repair_for_an_error_quotes_stderr_and_stdout_and_asks_for_the_whole_program():
    record = AttemptRecord(1, "model", None, "python", status="error", verdict="exited with code 1",
                           stdout="partial result\n", stderr=DEEP)
    text = repair_message(record, resolve_language("python"), 10, 512)
    assert "exited with code 1" in text and "RecursionError: too deep" in text and "partial result" in text
    assert text.endswith("Reply with the complete corrected program in one ```python block.")


def test_fit_never_drops_the_system_prompt_or_the_task():
    messages = [Message("system", "s" * 40), Message("user", "task " * 10)] + [
        Message("assistant", "a" * 400), Message("user", "r" * 400)] * 3

    def count(conversation):
        return sum(len(m.content) for m in conversation)

    fitted = fit_conversation(messages, count, budget=1000)
    assert fitted.dropped_pairs == 2 and fitted.messages[:2] == messages[:2] and len(fitted.messages) == 4
