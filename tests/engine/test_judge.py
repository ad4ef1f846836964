"""Verdicts, output comparison, and the generated Python test runner run for real."""

import subprocess
import sys

from core.judge import build_test_run, judge_output, judge_run, judge_tests, normalize_output
from core.languages import resolve_language
from core.sandbox.base import RunResult, RunStatus


def test_run_verdicts_say_which_check_failed():
    assert judge_run(RunResult(RunStatus.OK, 0), 10, 512).passed
    err = judge_run(RunResult(RunStatus.ERROR, 3, stderr="x\nValueError: bad\n"), 10, 512)
    assert (err.status, err.verdict) == ("error", "exited with code 3: ValueError: bad")
    assert judge_run(RunResult(RunStatus.TIMEOUT, None), 10, 512).verdict.startswith("timed out")
    assert judge_run(RunResult(RunStatus.OOM, None), 10, 512).status == "oom"
    sandbox = judge_run(RunResult(RunStatus.SANDBOX_ERROR, None, detail="no image"), 10, 512)
    assert sandbox.status == "sandbox_error" and "no image" in sandbox.verdict


def test_normalized_comparison_ignores_trailing_spaces_and_blank_ends_only():
    assert normalize_output("\n a  \r\nb\t\n\n") == " a\nb"
    assert judge_output("1\n2 \n", "1\n2", "normalized").passed
    assert not judge_output("1\n 2\n", "1\n2", "normalized").passed
    assert judge_output("1\n", "1\n2\n", "normalized").verdict.startswith("output is too short")
    assert judge_output("1\n2\n3\n", "1\n2\n", "normalized").verdict.startswith("output is too long")


def _run_tests(tmp_path, code, tests):
    files, language = build_test_run(resolve_language("python"), "main.py", code, tests, "test_mine.py")
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run([sys.executable, *language.run[1:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=30)
    return RunResult(RunStatus.OK if proc.returncode == 0 else RunStatus.ERROR, proc.returncode,
                     stdout=proc.stdout, stderr=proc.stderr)


TESTS = "from main import add\n\ndef test_add():\n    assert add(1, 2) == 3\n\ndef test_zero():\n    assert add(0, 0) == 0\n"


def test_runner_passes_when_every_test_function_passes(tmp_path):
    result = _run_tests(tmp_path, "def add(a, b):\n    return a + b\n", TESTS)
    assert result.exit_code == 0 and judge_tests(result, 10, 512).verdict == "2 passed, 0 failed"


def test_runner_names_the_failing_assert_and_its_line(tmp_path):
    result = _run_tests(tmp_path, "def add(a, b):\n    return a - b\n", TESTS)
    judgement = judge_tests(result, 10, 512)
    assert judgement.status == "tests_failed" and judgement.verdict == "tests failed: 1 passed, 1 failed"
    assert "FAILED test_add (line 4: assert add(1, 2) == 3) - AssertionError" in result.stdout


def test_runner_reports_a_module_that_cannot_be_imported(tmp_path):
    result = _run_tests(tmp_path, "def add(a, b) return\n", TESTS)
    assert result.exit_code == 1 and "ERROR importing the tests" in result.stdout
