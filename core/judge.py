"""Decide whether an attempt passed, and say in one line which check failed.

Checks, in order: the run itself (exit 0, no timeout, no limit hit, no sandbox error); the
expected output when the user gave one (exact, or with whitespace normalised); the user's test
file when given. Tests are supported for Python only: the test file sits next to main.py and
a small generated runner (pytest is not in the sandbox image) calls each `test_*` function,
reports every failing assert with its line, and exits 1 when any failed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePath

from core.errors import UsageError
from core.languages import Language
from core.sandbox.base import RunLimits, RunResult, RunStatus

TEST_RUNNER_FILE = "_assistant_test_runner.py"
TESTS_SUPPORTED = ("python",)


@dataclass(frozen=True)
class Judgement:
    status: str    # "ok" or the failed check's status
    verdict: str   # one human line

    @property
    def passed(self) -> bool:
        return self.status == "ok"


def judge_run(result: RunResult, limits_timeout_s: float, memory_mb: int) -> Judgement:
    status = result.status
    detail = f" ({result.detail})" if result.detail else ""
    if status is RunStatus.OK:
        return Judgement("ok", "exited with code 0")
    if status is RunStatus.ERROR:
        last = _last_line(result.stderr)
        return Judgement("error", f"exited with code {result.exit_code}" + (f": {last}" if last else ""))
    if status is RunStatus.COMPILE_ERROR:
        first = _first_error(result.compile_output)
        return Judgement("compile_error", "did not compile" + (f": {first}" if first else ""))
    if status is RunStatus.TIMEOUT:
        return Judgement("timeout", f"timed out: killed after the {limits_timeout_s:g} s time limit{detail}")
    if status is RunStatus.OOM:
        return Judgement("oom", f"killed for using more than {memory_mb} MB of memory{detail}")
    if status is RunStatus.KILLED:
        return Judgement("killed", f"killed by a signal{detail}")
    return Judgement("sandbox_error", f"the sandbox failed{detail or ''}; the program may not have run")


def judge_program(result: RunResult, limits: RunLimits, expect_output: str | None, whitespace: str,
                  run_tests: Callable[[], RunResult] | None = None) -> Judgement:
    """Every check in order, stopping at the first that fails: the run, the expected output
    (when given), then the tests (`run_tests` runs them; called only when all else passed)."""
    judgement = judge_run(result, limits.timeout_seconds, limits.memory_mb)
    if judgement.passed and expect_output is not None:
        judgement = judge_output(result.stdout, expect_output, whitespace)
    if judgement.passed and run_tests is not None:
        judgement = judge_tests(run_tests(), limits.timeout_seconds, limits.memory_mb)
    return judgement


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def _first_error(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line[:200]
    return lines[0][:200] if lines else ""


def normalize_output(text: str) -> str:
    """Line ends unified, trailing spaces of each line and blank lines at both ends removed."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def judge_output(stdout: str, expected: str, mode: str) -> Judgement:
    """Compare a program's stdout with the expected text (mode "exact" or "normalized")."""
    got, want = (stdout, expected) if mode == "exact" else (normalize_output(stdout), normalize_output(expected))
    if got == want:
        return Judgement("ok", "output matches the expected output")
    got_lines, want_lines = got.split("\n"), want.split("\n")
    for index, (g, w) in enumerate(zip(got_lines, want_lines, strict=False)):
        if g != w:
            return Judgement("wrong_output", f"output differs from the expected output at line {index + 1}: "
                             f"expected {w[:120]!r}, got {g[:120]!r}")
    if len(got_lines) < len(want_lines):
        return Judgement("wrong_output", f"output is too short: {len(got_lines)} lines, expected "
                         f"{len(want_lines)} (next expected line: {want_lines[len(got_lines)][:120]!r})")
    if len(got_lines) > len(want_lines):
        return Judgement("wrong_output", f"output is too long: {len(got_lines)} lines, expected "
                         f"{len(want_lines)} (first extra line: {got_lines[len(want_lines)][:120]!r})")
    return Judgement("wrong_output", "output differs from the expected output in its line endings "
                     "or trailing whitespace (exact match asked)")


def conceal_checks(judgement: Judgement) -> Judgement:
    """The judgement with the checks' own text left out (hidden checks: the model may learn that
    its output was wrong or how many tests failed, never the expected output or the tests)."""
    if judgement.status == "wrong_output":
        return Judgement("wrong_output", "the output is not the expected one (the expected output is hidden)")
    if judgement.status == "tests_failed" and not judgement.verdict.startswith("the test run "):
        counts = re.search(r"\d+ passed, \d+ failed", judgement.verdict)
        return Judgement("tests_failed", "hidden tests failed" + (f": {counts.group()}" if counts else ""))
    return judgement


def check_tests_supported(language: Language) -> None:
    if language.name not in TESTS_SUPPORTED:
        raise UsageError(f"--test is supported for Python only, not {language.display_name}: "
                         "use --expect-output to check this program's output")


def module_name_for_tests(test_path_name: str) -> str:
    """The file name the user's tests get in the sandbox (a valid module name, never main.py)."""
    stem = "".join(c if c.isalnum() or c == "_" else "_" for c in PurePath(test_path_name).stem)
    if not stem or stem[0].isdigit() or stem in ("main", TEST_RUNNER_FILE[:-3]):
        stem = f"test_{stem}"
    return stem


def build_test_run(language: Language, code_file: str, code: str, tests: str, test_name: str
               ) -> tuple[dict[str, str], Language]:
    """The files and the language (with its run step replaced) that run the user's tests."""
    check_tests_supported(language)
    module = module_name_for_tests(test_name)
    files = {code_file: code, f"{module}.py": tests, TEST_RUNNER_FILE: _RUNNER.replace("@MODULE@", module)}
    return files, replace(language, run=("python3", "-B", TEST_RUNNER_FILE))


def judge_tests(result: RunResult, limits_timeout_s: float, memory_mb: int) -> Judgement:
    if result.status is RunStatus.OK:
        return Judgement("ok", _last_line(result.stdout) or "tests passed")
    if result.status is RunStatus.ERROR:
        summary = _last_line(result.stdout) or _last_line(result.stderr)
        return Judgement("tests_failed", f"tests failed: {summary}" if summary else "tests failed")
    base = judge_run(result, limits_timeout_s, memory_mb)
    return Judgement("tests_failed", f"the test run {base.verdict}")


_RUNNER = '''\
import importlib, inspect, linecache, sys, traceback

def main():
    try:
        module = importlib.import_module("@MODULE@")
    except BaseException:
        print("ERROR importing the tests:")
        traceback.print_exc(file=sys.stdout)
        print("0 passed, 1 failed")
        return 1
    tests = [(n, f) for n, f in vars(module).items()
             if n.startswith("test") and inspect.isfunction(f) and f.__module__ == module.__name__]
    passed = failed = 0
    for name, func in tests:
        try:
            func()
        except BaseException as exc:
            failed += 1
            tb = traceback.extract_tb(exc.__traceback__)
            where = next((fr for fr in reversed(tb) if fr.filename.endswith("@MODULE@.py")), tb[-1])
            line = linecache.getline(where.filename, where.lineno).strip()
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            print(f"FAILED {name} (line {where.lineno}: {line}) - {message}")
            if not isinstance(exc, AssertionError):
                traceback.print_exception(type(exc), exc, exc.__traceback__, limit=-3, file=sys.stdout)
        else:
            passed += 1
            print(f"PASSED {name}")
    if not tests:
        print("no test_* functions found in the test file")
        failed = 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

sys.exit(main())
'''
