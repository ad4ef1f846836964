"""The subprocess executor: limits and timeout only, and every result says it was not isolated."""

import os
import signal
import time

import pytest

from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunStatus
from core.sandbox.local import SubprocessSandbox
from tests.sandbox.host_contract import HELLO, LIMITS, has_toolchain, process_with_argv, run


@pytest.fixture(scope="module")
def sandbox():
    return SubprocessSandbox()


def test_every_result_says_it_was_not_isolated(sandbox):
    result = run(sandbox, "print('hi')")
    assert (result.status, result.stdout, result.isolated) == (RunStatus.OK, "hi\n", False)
    assert "NOT isolated" in result.detail


def test_a_sandbox_error_also_says_it_was_not_isolated(sandbox):
    language = resolve_language("python")
    result = sandbox.run({"../escape.py": "print(1)"}, language, LIMITS)
    assert (result.status, result.isolated) == (RunStatus.SANDBOX_ERROR, False)
    assert "NOT isolated" in result.detail and "not a plain relative path" in result.detail


@pytest.mark.parametrize("lang", ["c", "java", "bash"])
def test_host_languages_run(sandbox, lang):
    if not has_toolchain(sandbox, lang):
        pytest.skip(f"no host toolchain for {lang}")
    result = run(sandbox, HELLO[lang], lang, RunLimits(timeout_seconds=10))
    assert (result.status, result.stdout) == (RunStatus.OK, f"hello from {lang}\n")


def test_a_compile_error_is_its_own_status(sandbox):
    result = run(sandbox, "int main(void) { return nope(); }", "c", RunLimits(timeout_seconds=10))
    assert result.status == RunStatus.COMPILE_ERROR
    assert "nope" in result.compile_output


def test_an_infinite_loop_is_killed_at_the_wall_clock_limit(sandbox):
    started = time.monotonic()
    result = run(sandbox, "while True:\n    pass")
    assert result.status == RunStatus.TIMEOUT
    assert time.monotonic() - started < LIMITS.timeout_seconds + 3


def test_allocating_4_gib_is_an_oom(sandbox):
    assert run(sandbox, "b = bytearray(4 << 30)").status == RunStatus.OOM


def test_the_output_cap_holds(sandbox):
    result = run(sandbox, "import sys\nsys.stdout.write('z' * (1 << 20))")
    assert result.output_truncated and len(result.stdout) < LIMITS.output_cap_bytes + 200


def test_the_environment_is_explicit(sandbox, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TEST_SECRET", "do-not-leak")
    assert "do-not-leak" not in run(sandbox, "import os\nprint(dict(os.environ))").stdout


def test_a_background_child_returns_the_run_and_is_killed_only_when_root(sandbox):
    """Weaker than the sandboxes: without root (no pids cgroup) a child that calls setsid leaves
    the process group and survives; the run still returns after the bounded drain."""
    marker = ["sleep", "424242.5"]
    code = ("import os\nif os.fork() == 0:\n    os.setsid()\n"
            f"    os.execvp('sleep', {marker!r})\nprint('parent done')")
    started = time.monotonic()
    result = run(sandbox, code)
    assert result.stdout == "parent done\n"
    assert time.monotonic() - started < 4
    time.sleep(0.2)
    survivor = process_with_argv(marker)
    if survivor is not None:
        os.kill(survivor, signal.SIGKILL)
    assert (survivor is not None) is (os.geteuid() != 0)
