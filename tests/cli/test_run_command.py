"""The headless CLI end to end with a scripted model (tests/support/scripted_cli.py) and the
real bubblewrap sandbox: exit codes, stdout/stderr, the output folder, Ctrl-C and SIGKILL."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
GOOD = "Here you go.\n```python\nprint('hello')\n```\n"
BAD = "```python\nimport sys\nprint('trying')\nsys.exit(3)\n```\n"

pytestmark = pytest.mark.bwrap


@pytest.fixture(scope="module", autouse=True)
def _bwrap_available():
    from core.sandbox import bwrap

    require(bwrap.unavailable_reason() is None, "bubblewrap")


def _cli(tmp_path: Path, answers: list, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(answers))
    return subprocess.run(
        [sys.executable, "-m", "tests.support.scripted_cli", str(script), "--sandbox", "bwrap",
         "--output", str(tmp_path / "out"), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, input=stdin, env=_env())


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")
            or k == "ASSISTANT_REQUIRE_INTEGRATION"}


def _session_dir(tmp_path: Path) -> Path:
    [folder] = sorted((tmp_path / "out").iterdir())
    return folder


def test_success_prints_the_code_on_stdout_and_progress_on_stderr(tmp_path):
    done = _cli(tmp_path, [GOOD], "print hello")

    assert done.returncode == 0, done.stderr
    assert done.stdout == "print('hello')\n"
    assert "attempt 1: $ python3 -B main.py" in done.stderr
    assert "  │ hello" in done.stderr and "attempt 1: passed" in done.stderr
    assert "\x1b" not in done.stderr, "no terminal escapes when stderr is not a terminal"
    folder = _session_dir(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "attempts", "debug_history.json", "execution_log.txt", "final_code.py"]
    assert json.loads((folder / "debug_history.json").read_text())["attempts"][0]["stdout"] == "hello\n"


def test_json_summary_and_exit_1_when_attempts_run_out(tmp_path):
    done = _cli(tmp_path, [BAD, BAD], "--json", "--max-attempts", "2", "exit three")

    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert summary["schema_version"] == 1 and summary["success"] is False
    assert summary["reason"] == "attempts_exhausted" and summary["final_attempt"] == 2
    assert [a["status"] for a in summary["attempts"]] == ["error", "error"]
    assert summary["attempts"][0]["exit_code"] == 3
    assert Path(summary["final_code"]).read_text().startswith("# FAILED")


def test_task_from_stdin_and_expected_output_mismatch_then_match(tmp_path):
    expected = tmp_path / "expected.txt"
    expected.write_text("hello\n")
    wrong = "```python\nprint('HELLO')\n```"
    done = _cli(tmp_path, [wrong, GOOD], "--expect-output", str(expected), "--quiet", "-", stdin="say hello\n")

    assert done.returncode == 0 and done.stderr == ""
    history = json.loads((_session_dir(tmp_path) / "debug_history.json").read_text())
    assert history["task"] == "say hello"
    assert [a["status"] for a in history["attempts"]] == ["wrong_output", "ok"]


def test_program_output_control_characters_are_shown_escaped(tmp_path):
    evil = "```python\nprint('\\x1b[2Jgone\\x07')\n```"
    done = _cli(tmp_path, [evil], "escape")

    assert "\\x1b[2Jgone\\x07" in done.stderr and "\x1b" not in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    ((), "no task given"),
    (("--lang", "cobol", "x"), "unknown language 'cobol'"),
    (("--lang", "c", "--test", "tests/__init__.py", "x"), "--test is supported for Python only"),
    (("--test", "missing_tests.py", "x"), "no such file"),
])
def test_bad_usage_exits_2_with_one_error_line(tmp_path, args, message):
    done = _cli(tmp_path, [GOOD], *args)

    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _start(tmp_path: Path, answers: list, *args: str) -> subprocess.Popen:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(answers))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.scripted_cli", str(script), "--sandbox", "bwrap",
         "--output", str(tmp_path / "out"), *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _wait_for_line(proc: subprocess.Popen, text: str, timeout: float = 60) -> list[str]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return seen
    proc.kill()
    raise AssertionError(f"{text!r} never appeared on stderr: {''.join(seen)}")


def test_ctrl_c_exits_130_with_the_history_on_disk(tmp_path):
    holding = {"text": GOOD, "hold_after": 1, "hold_seconds": 60}
    proc = _start(tmp_path, [BAD, holding], "--json", "fix it")
    _wait_for_line(proc, "attempt 2/5: the model is writing")
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)

    assert proc.returncode == 130, stderr
    assert json.loads(stdout)["reason"] == "interrupted"
    history = json.loads((_session_dir(tmp_path) / "debug_history.json").read_text())
    assert [a["status"] for a in history["attempts"]] == ["error", "cancelled"]
    assert history["reason"] == "cancelled"


def test_sigkill_during_the_third_attempt_leaves_attempts_one_and_two_intact(tmp_path):
    holding = {"text": GOOD, "hold_after": 1, "hold_seconds": 60}
    proc = _start(tmp_path, [BAD, BAD.replace("3", "4"), holding], "fix it")
    _wait_for_line(proc, "attempt 3/5: the model is writing")
    time.sleep(0.3)
    proc.kill()
    proc.communicate(timeout=30)

    assert proc.returncode == -signal.SIGKILL
    folder = _session_dir(tmp_path)
    history = json.loads((folder / "debug_history.json").read_text())
    assert [a["number"] for a in history["attempts"]] == [1, 2]
    assert [a["exit_code"] for a in history["attempts"]] == [3, 4]
    assert (folder / "attempts" / "01.py").read_text() == BAD.split("```python\n")[1].split("```")[0]
    assert "sys.exit(4)" in (folder / "attempts" / "02.py").read_text()
    assert sorted(p.name for p in (folder / "attempts").iterdir()) == ["01.py", "02.py"]
    assert (folder / "final_code.py").read_text().startswith("# FAILED: this is attempt 2's code")
    assert not list(folder.rglob("*.tmp")), "no half-written temp file is left behind"


def test_history_lists_the_session_and_show_prints_its_attempts(tmp_path):
    _cli(tmp_path, [BAD, GOOD], "print hello")
    env = _env()
    base = [sys.executable, "-m", "core.cli.main"]
    listing = subprocess.run([*base, "history", "--output", str(tmp_path / "out")], cwd=ROOT,
                             capture_output=True, text=True, env=env, timeout=60)
    folder = _session_dir(tmp_path)
    assert listing.returncode == 0 and folder.name in listing.stdout
    assert "2 attempt(s)  passed  print hello" in listing.stdout
    shown = subprocess.run([*base, "show", folder.name, "--output", str(tmp_path / "out")], cwd=ROOT,
                           capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "attempt 1 (model): error" in shown.stdout and "attempt 2 (model on attempt 1): ok" in shown.stdout
    missing = subprocess.run([*base, "show", "task_nothing", "--output", str(tmp_path / "out")], cwd=ROOT,
                             capture_output=True, text=True, env=env, timeout=60)
    assert missing.returncode == 2 and "not a session folder" in missing.stderr
