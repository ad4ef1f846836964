"""Unit tests of the host runner's pure parts: the supervisor script, rlimits, staging, verdicts."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunStatus
from core.sandbox.capture import StreamCapture
from core.sandbox.host_process import (
    Outcome,
    PipeFds,
    judge,
    private_temp_dir,
    prlimit_argv,
    stage_files,
    supervisor_script,
)
from core.sandbox.pids_cgroup import PidsCgroup

LIMITS = RunLimits(timeout_seconds=2.5, memory_mb=128, max_processes=16, disk_mb=8)


def outcome(**fields) -> Outcome:
    captures = {name: StreamCapture(name, 1024) for name in ("stdout", "stderr", "compile_output", "sandbox_log")}
    text = fields.pop("stderr_text", "")
    captures["stderr"].feed(text.encode())
    return Outcome(**{"reached_run": True, "exit_code": 0, **captures, **fields})


def test_prlimit_sets_every_limit_hard_and_soft():
    argv = prlimit_argv(LIMITS, compile_step=False)
    assert argv[0] == "prlimit" and argv[-1] == "--"
    assert f"--data={128 << 20}:{128 << 20}" in argv
    assert "--cpu=4:4" in argv and "--nproc=16:16" in argv and f"--fsize={8 << 20}:{8 << 20}" in argv
    assert "--core=0:0" in argv


def test_the_compile_step_gets_at_least_a_gib_of_memory():
    assert f"--data={1024 << 20}:{1024 << 20}" in prlimit_argv(LIMITS, compile_step=True)


def test_the_script_closes_its_private_pipes_before_the_program_starts():
    script = supervisor_script(resolve_language("c"), LIMITS, PipeFds(11, 12, 13))
    lines = script.splitlines()
    assert lines[0] == "exec 2>&13 13>&-"
    assert lines.index("exec 11>&- 12>&-") == len(lines) - 2
    assert lines[-1].startswith("exec prlimit") and lines[-1].endswith("./main")
    assert any(line.startswith("prlimit") and "gcc" in line and "11>&- 12>&-" in line for line in lines)


def test_an_environment_reset_wraps_each_step():
    script = supervisor_script(resolve_language("python"), LIMITS, PipeFds(5, 6, 7), env={"A": "b c"})
    assert script.splitlines()[-1].startswith("exec env -i 'A=b c' prlimit")


@pytest.mark.parametrize("name", ["../x.py", "/etc/x", "", "a/../../b"])
def test_staging_refuses_names_that_leave_the_work_dir(tmp_path, name):
    with pytest.raises(ValueError):
        stage_files(str(tmp_path), {name: "x"})


def test_staging_never_follows_a_planted_link(tmp_path):
    (tmp_path / "main.py").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        stage_files(str(tmp_path), {"main.py": "x"})
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize(("fields", "status"), [
    ({}, RunStatus.OK),
    ({"exit_code": 2}, RunStatus.ERROR),
    ({"cancelled": True}, RunStatus.KILLED),
    ({"timed_out": "run", "exit_code": -9}, RunStatus.TIMEOUT),
    ({"timed_out": "compile", "reached_run": False}, RunStatus.TIMEOUT),
    ({"compile_exit": 1, "reached_run": False}, RunStatus.COMPILE_ERROR),
    ({"reached_run": False, "exit_code": 1}, RunStatus.SANDBOX_ERROR),
    ({"signal": signal.SIGXCPU, "exit_code": 152}, RunStatus.TIMEOUT),
    ({"signal": signal.SIGKILL, "exit_code": 137}, RunStatus.KILLED),
    ({"signal": signal.SIGSEGV, "exit_code": 139}, RunStatus.ERROR),
    ({"exit_code": 1, "stderr_text": "MemoryError\n"}, RunStatus.OOM),
    ({"exit_code": 0, "stderr_text": "MemoryError is just a word\n"}, RunStatus.OK),
])
def test_outcomes_map_to_statuses(fields, status):
    assert judge(outcome(**fields), LIMITS, sandbox="t", isolated=True, command=[]).status == status


def test_a_compile_error_has_no_exit_code():
    result = judge(outcome(compile_exit=1, reached_run=False, exit_code=0), LIMITS, sandbox="t",
                   isolated=True, command=[])
    assert result.exit_code is None


@pytest.fixture
def pids_cgroup():
    """A pids cgroup limited to 5 processes, removed after the test; None when not root."""
    cgroup = PidsCgroup.create(5)
    if os.geteuid() == 0 and cgroup is None:
        pytest.skip("no writable pids cgroup here")
    yield cgroup
    if cgroup is not None:
        cgroup.kill_all_and_remove()


FORK_UNTIL_REFUSED = (
    "import os, signal\n"
    "n = 0\n"
    "while True:\n"
    "    try:\n"
    "        if os.fork() == 0:\n"
    "            os.setsid()\n"
    "            signal.pause()\n"
    "        n += 1\n"
    "    except OSError:\n"
    "        break\n"
    "print(n, flush=True)\n"
)


def test_without_root_there_is_no_pids_cgroup(pids_cgroup):
    if os.geteuid() == 0:
        pytest.skip("runs as root")
    assert pids_cgroup is None


def test_a_pids_cgroup_limits_the_processes_started_in_it(pids_cgroup):
    if pids_cgroup is None:
        pytest.skip("needs root")
    proc = pids_cgroup.popen([sys.executable, "-c", FORK_UNTIL_REFUSED + "signal.pause()\n"], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"4\n"  # the limit of 5 is the python process and 4 children
    assert sorted(pids_cgroup.pids())[0] == proc.pid and len(pids_cgroup.pids()) == 5
    proc.stdout.close()
    proc.kill()
    proc.wait()


def test_a_pids_cgroup_kills_survivors_and_is_removed(pids_cgroup):
    if pids_cgroup is None:
        pytest.skip("needs root")
    proc = pids_cgroup.popen([sys.executable, "-c", FORK_UNTIL_REFUSED], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"4\n"
    proc.stdout.close()
    proc.wait()  # its children called setsid and outlive it
    assert len(pids_cgroup.pids()) == 4
    assert pids_cgroup.kill_all_and_remove()
    assert not pids_cgroup.path.exists()


def test_starting_a_run_in_a_pids_cgroup_leaves_this_process_outside(pids_cgroup):
    if pids_cgroup is None:
        pytest.skip("needs root")
    before = Path("/proc/thread-self/cgroup").read_text()
    proc = pids_cgroup.popen(["sleep", "5"])
    assert pids_cgroup.pids() == [proc.pid]
    assert str(os.getpid()) not in (pids_cgroup.path / "cgroup.procs").read_text().split()
    assert Path("/proc/thread-self/cgroup").read_text() == before
    proc.kill()
    proc.wait()


def test_a_private_temp_dir_is_removed_without_following_links_the_program_left(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept")
    os.chmod(outside / "keep.txt", 0o600)
    with private_temp_dir("assistant-test-") as host_dir:
        locked = Path(host_dir, "work", "locked")
        (locked / "sub").mkdir(parents=True)
        (locked / "link").symlink_to(outside)
        (locked / "file-link").symlink_to(outside / "keep.txt")
        os.mkfifo(locked / "fifo")
        os.chmod(locked / "sub", 0)
        os.chmod(locked, 0o500)
    assert not os.path.lexists(host_dir)
    assert (outside / "keep.txt").read_text() == "kept"
    assert (outside / "keep.txt").stat().st_mode & 0o777 == 0o600
