"""`assistant [OPTIONS] "TASK"`: run one task headless (scriptable: pipes, CI).

Progress goes to stderr. stdout gets the passing program's code, or with --json one JSON
summary, so `assistant "task" > prog.py` and `assistant --json "task" | jq` both work.
Exit codes: 0 passed, 1 attempts ran out (or cancelled by the engine), 2 bad usage,
130 Ctrl-C (the attempts so far are on disk), 3 no sandbox, 4 model error.
"""

import argparse
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from core.cli.common import add_common_options, add_sandbox_option, config_from_args
from core.cli.progress import ProgressReporter
from core.config import Config
from core.engine import Session, SessionOutcome, TaskSpec
from core.errors import UsageError
from core.history import HISTORY_FILE
from core.judge import check_tests_supported
from core.languages import LANGUAGES, Language, resolve_language
from core.llm.base import ModelBackend

SUMMARY_SCHEMA_VERSION = 1
T = TypeVar("T")
ModelOpener = Callable[[Config, Callable[[str, float], None]], ModelBackend]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", nargs="*", help='what the program must do ("-" reads it from stdin)')
    parser.add_argument("--lang", metavar="LANGUAGE",
                        help="language of the program: " + ", ".join(lang.name for lang in LANGUAGES)
                        + " (config: language)")
    parser.add_argument("--max-attempts", type=_positive_int, metavar="N",
                        help="attempts (first try + repairs) before giving up (config: max_debug_attempts)")
    add_sandbox_option(parser)
    parser.add_argument("--model", metavar="GGUF", help="model weights to load (config: model.path)")
    parser.add_argument("--reasoning", choices=["low", "medium", "high"],
                        help="GPT-OSS reasoning effort (config: model.reasoning_effort)")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                        help="wall-clock limit of one run (config: limits.timeout_seconds)")
    parser.add_argument("--expect-output", metavar="TEXT|FILE",
                        help="the output the program must print: a file's content when FILE exists, "
                             "else the text itself; compared with whitespace normalised")
    parser.add_argument("--exact", action="store_true",
                        help="compare --expect-output exactly, whitespace included")
    parser.add_argument("--test", metavar="FILE", type=Path,
                        help="Python only: a file of test_* functions with plain asserts that import "
                             "the program as `main`; they must pass too")
    parser.add_argument("--output", metavar="DIR", help="where task_* folders go (config: output_dir)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary on stdout")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr, errors only")
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    return execute(args)


def execute(args: argparse.Namespace, open_model: ModelOpener | None = None) -> int:
    """Run the task the arguments describe. `open_model` replaces the model factory (tests)."""
    config = replace(config_from_args(args), step_mode=False)
    task = _read_task(args.task)
    language = resolve_language(config.language)
    spec = TaskSpec(task=task, language=language, expect_output=_read_expected(args.expect_output),
                    expect_whitespace="exact" if args.exact else "normalized",
                    test_file=_check_test_file(args.test, language))
    reporter = ProgressReporter(sys.stderr, quiet=args.quiet, max_attempts=config.max_debug_attempts)
    if open_model is None:
        from core.llm.factory import open_model
    from core.sandbox.factory import open_sandbox

    try:
        reporter.status(f"opening the {config.sandbox_type} sandbox…")
        sandbox = open_sandbox(config)
        try:
            sandbox.check(language)
            if not getattr(sandbox, "isolated", True):
                reporter.line("warning: the subprocess sandbox runs the code on this machine, NOT isolated")
            reporter.status("loading the model…")
            model = open_model(config, reporter.progress)
            reporter.status(None)
            try:
                session = Session(spec, config, model, sandbox, reporter.handle)
                outcome, interrupted = run_interruptibly(session.run, session.cancel, lambda: reporter.line(
                    "interrupted: stopping and saving the attempts so far (Ctrl-C again to quit now)"))
            finally:
                model.close()
        finally:
            sandbox.close()
    finally:
        reporter.close()

    if args.json:
        print(json.dumps(summary(session, outcome, interrupted), indent=2))
    elif outcome.success and outcome.final_attempt is not None:
        sys.stdout.write(session.records[outcome.final_attempt - 1].code or "")
        sys.stdout.flush()
    if interrupted:
        return 130
    if outcome.error is not None:
        print(f"error: {outcome.error}", file=sys.stderr)
        return outcome.error.exit_code
    return 0 if outcome.success else 1


def run_interruptibly(work: Callable[[], T], cancel: Callable[[], None],
                      on_interrupt: Callable[[], None] | None = None) -> tuple[T, bool]:
    """work() in a worker thread so Ctrl-C (in the main thread) can cancel() it and still wait for
    it to end with its partial results saved. A second Ctrl-C stops waiting. (result, interrupted)"""
    box: dict[str, Any] = {}
    done = threading.Event()

    def worker() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # re-raised in the main thread
            box["error"] = exc
        finally:
            done.set()

    # Event.wait, not Thread.join: a join interrupted by Ctrl-C can return early on a later call.
    threading.Thread(target=worker, name="assistant-work", daemon=True).start()
    interrupted = False
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        interrupted = True
        if on_interrupt is not None:
            on_interrupt()
        cancel()
        while not done.wait(0.2):
            pass
    if "error" in box:
        raise box["error"]
    return box["result"], interrupted


def _read_task(words: list[str]) -> str:
    if words == ["-"]:
        task = sys.stdin.read()
    else:
        task = " ".join(words)
    if not task.strip():
        raise UsageError('no task given: run `assistant "what the program should do"` '
                         "(or `assistant` alone for the TUI)")
    return task.strip()


def _read_expected(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value)
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--expect-output {value}: cannot read the file ({exc})") from None
    return value


def _check_test_file(path: Path | None, language: Language) -> Path | None:
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"--test {path}: no such file; pass a Python file of test_* functions")
    check_tests_supported(language)
    return path


def summary(session: Session, outcome: SessionOutcome, interrupted: bool = False) -> dict[str, Any]:
    """The --json document: the outcome and one line per attempt (details: debug_history.json)."""
    records = session.records
    final = records[outcome.final_attempt - 1] if outcome.final_attempt else None
    final_code = session.final_code_path
    return {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "success": outcome.success,
        "reason": "interrupted" if interrupted else outcome.reason,
        "task": session.spec.task,
        "language": session.spec.language.name,
        "model": session.model.info().name,
        "sandbox": session.sandbox.kind,
        "output_dir": str(session.output_dir),
        "final_attempt": outcome.final_attempt,
        "final_code": str(final_code) if final_code.exists() else None,
        "verdict": final.verdict if final else None,
        "history": str(session.output_dir / HISTORY_FILE),
        "attempts": [
            {"number": r.number, "origin": r.origin, "based_on": r.based_on, "status": r.status,
             "verdict": r.verdict, "exit_code": r.exit_code, "durations": r.durations,
             "completion_tokens": (r.usage or {}).get("completion_tokens"),
             "tokens_per_second": (r.usage or {}).get("tokens_per_second")}
            for r in records
        ],
    }
