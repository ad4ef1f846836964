"""The conversation sent to the model: a system prompt, the task, then (answer, repair) pairs.

Each repair conversation is the previous attempt's prompt plus that attempt's answer and one
new user message, so its prefix is byte-identical to what the model has just processed and
llama.cpp reuses the KV cache. When the conversation outgrows the context window, the oldest
failed attempts are dropped first (never the system prompt or the task), then the last answer
is reduced to its code and the error details are shortened.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.history import AttemptRecord
from core.languages import Language
from core.llm.base import Message

MAX_LINE_CHARS = 400

_LANGUAGE_NOTES = {
    "python": "Use only the Python standard library.",
    "javascript": "It runs with Node.js; use only Node's built-in modules.",
    "typescript": "It is compiled with tsc and run with Node.js; use only Node's built-in modules.",
    "rust": "It is one file compiled with rustc (edition 2021), standard library only, no Cargo crates.",
    "go": "It is one file in package main built with `go build`, standard library only.",
    "c": "It is one file compiled with gcc -std=c17 -lm, standard library only.",
    "cpp": "It is one file compiled with g++ -std=c++17, standard library only.",
    "java": "It is one file: the public class must be named Main (file Main.java), standard library only.",
    "bash": "It runs with bash; use only common POSIX tools.",
}


@dataclass(frozen=True)
class Detail:
    """How much program output a repair prompt quotes."""

    traceback_frames: int = 3
    error_lines: int = 40
    stdout_lines: int = 20


FULL_DETAIL = Detail()
SHORT_DETAIL = Detail(traceback_frames=1, error_lines=12, stdout_lines=5)


def system_prompt(language: Language) -> str:
    tag = language.name
    return (
        f"You are an expert {language.display_name} programmer. Write one complete, runnable "
        f"{language.display_name} program that does the user's task.\n"
        f"- Reply with the whole program in a single fenced code block tagged ```{tag}.\n"
        f"- The program is saved as {language.source_file} and run with no arguments, no network "
        "and an empty standard input: do not read input unless the task asks for it.\n"
        "- When the task asks for a function or a class, write it and also a main part that calls "
        "it on a few examples, checks the results (exit with a non-zero status when a check "
        "fails) and prints them.\n"
        f"- {_LANGUAGE_NOTES.get(language.name, 'Use only the standard library.')}\n"
        "- Keep any explanation to one short sentence before the code block."
    )


def task_message(task: str, language: Language, expect_output: str | None = None,
                 exact: bool = False, tests: str | None = None, test_name: str = "") -> str:
    parts = [f"Task: {task.strip()}"]
    if expect_output is not None:
        rule = "exactly" if exact else "(spaces at line ends and blank lines at the ends aside)"
        parts.append(f"The program's standard output must be {rule}:\n```\n{expect_output.rstrip(chr(10))}\n```")
    if tests is not None:
        module = language.source_file.rsplit(".", 1)[0]
        parts.append(
            f"Your program is saved as {language.source_file}; these tests ({test_name}) import it "
            f"(`from {module} import ...`) and must pass, so keep top-level code under "
            f"`if __name__ == \"__main__\":`:\n```{language.name}\n{tests.rstrip(chr(10))}\n```"
        )
    return "\n\n".join(parts)


def initial_conversation(language: Language, task_text: str) -> list[Message]:
    return [Message("system", system_prompt(language)), Message("user", task_text)]


def assistant_turn(record: AttemptRecord, language: Language) -> Message:
    """What the model 'said' for an attempt: its answer verbatim, or for a user's edit the code."""
    if record.origin == "manual" or not record.raw_text:
        return code_only_turn(record, language)
    return Message("assistant", record.raw_text)


def code_only_turn(record: AttemptRecord, language: Language) -> Message:
    code = record.code or ""
    return Message("assistant", f"```{language.name}\n{code.rstrip(chr(10))}\n```")


def repair_message(record: AttemptRecord, language: Language, timeout_s: float, memory_mb: int,
                   detail: Detail = FULL_DETAIL, cut_off: bool = False) -> str:
    """The user turn asking the model to fix attempt `record`, saying exactly what went wrong."""
    tag = language.name
    intro = "I ran the edited program above. " if record.origin == "manual" else ""
    status = record.status
    parts: list[str] = []
    if status == "no_code":
        why = " (it was cut off at the token limit)" if cut_off else ""
        parts.append(f"Your answer had no complete ```{tag} code block{why}.")
    elif status == "compile_error":
        parts.append(f"{intro}The program failed to compile:\n" + _quote(head(record.compile_output, detail.error_lines)))
    elif status == "timeout":
        parts.append(f"{intro}The program was stopped after {timeout_s:g} s (the time limit). It may loop "
                     "forever or wait for input that never comes (standard input is empty).")
    elif status == "oom":
        parts.append(f"{intro}The program was killed for using more than {memory_mb} MB of memory.")
    elif status == "wrong_output":
        parts.append(f"{intro}The program ran, but its output is wrong: {record.verdict}")
    elif status == "tests_failed":
        parts.append(f"{intro}The program ran, but the tests failed:\n"
                     + _quote(trim_traceback(record.test_output, detail.traceback_frames, detail.error_lines)))
    else:
        parts.append(f"{intro}The program failed: {record.verdict or status}.")
    if status not in ("no_code", "compile_error", "tests_failed") and record.stderr.strip():
        parts.append("Its error output (trimmed):\n"
                     + _quote(trim_traceback(record.stderr, detail.traceback_frames, detail.error_lines)))
    if status not in ("no_code", "compile_error", "tests_failed") and record.stdout.strip():
        parts.append("The last lines of its standard output:\n" + _quote(tail(record.stdout, detail.stdout_lines)))
    parts.append(f"Fix the program. Reply with the complete corrected program in one ```{tag} block.")
    return "\n\n".join(parts)


def _quote(text: str) -> str:
    return "```\n" + text.replace("```", "'''").rstrip("\n") + "\n```"


def _clip(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " [...]"


def head(text: str, max_lines: int) -> str:
    """The first lines (a compiler's first error matters most)."""
    lines = text.rstrip("\n").splitlines()
    kept = [_clip(line) for line in lines[:max_lines]]
    if len(lines) > max_lines:
        kept.append(f"[... {len(lines) - max_lines} more lines ...]")
    return "\n".join(kept)


def tail(text: str, max_lines: int) -> str:
    """The last lines (where a program was when it failed)."""
    lines = text.rstrip("\n").splitlines()
    kept = [_clip(line) for line in lines[-max_lines:]] if max_lines else []
    if len(lines) > max_lines:
        kept.insert(0, f"[... {len(lines) - max_lines} earlier lines ...]")
    return "\n".join(kept)


_TRACEBACK = "Traceback (most recent call last):"
_FRAME = re.compile(r"^\s*File \"")


def trim_traceback(text: str, frames: int = 3, max_lines: int = 40) -> str:
    """A Python traceback cut to its last `frames` frames and the error lines; any other error
    output cut to its last `max_lines` lines."""
    start = text.rfind(_TRACEBACK)
    if start < 0:
        return tail(text, max_lines)
    lines = text[start:].rstrip("\n").splitlines()
    frame_starts = [i for i, line in enumerate(lines) if _FRAME.match(line)]
    if not frame_starts:
        return tail(text, max_lines)
    body_end = frame_starts[-1] + 1
    while body_end < len(lines) and lines[body_end].startswith((" ", "\t")):
        body_end += 1
    kept_from = frame_starts[-frames] if len(frame_starts) > frames else frame_starts[0]
    result = [lines[0]]
    if kept_from != frame_starts[0]:
        result.append(f"  [... {len(frame_starts) - frames} earlier frames ...]")
    result += lines[kept_from:body_end]
    result += lines[body_end:][-max_lines:]
    return "\n".join(_clip(line) for line in result)


@dataclass(frozen=True)
class Fitted:
    messages: list[Message]
    dropped_pairs: int   # earlier (answer, repair) pairs left out
    compacted: bool      # the last answer reduced to its code, the error details shortened


def fit_conversation(messages: Sequence[Message], count_tokens: Callable[[Sequence[Message]], int],
                     budget: int, compact_tail: Callable[[], list[Message]] | None = None) -> Fitted:
    """Keep `messages` (system, task, then answer/repair pairs) within `budget` tokens."""
    kept = list(messages)
    dropped = 0
    while count_tokens(kept) > budget and len(kept) > 4:
        del kept[2:4]
        dropped += 1
    if len(kept) > 2 and compact_tail is not None and count_tokens(kept) > budget:
        return Fitted(kept[:2] + compact_tail(), dropped, True)
    return Fitted(kept, dropped, False)


def prompt_budget(context_size: int, max_tokens: int) -> int:
    """Tokens the prompt may take: the context less room for the answer (at most half of it)."""
    return context_size - min(max_tokens, context_size // 2)
