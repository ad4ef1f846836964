"""Unit tests of the host runner's pure parts: the supervisor script, rlimits, staging, verdicts."""

import os
import signal
import threading
import time

import pytest

from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunStatus
from core.sandbox.capture import StreamCapture
from core.sandbox.host_process import Outcome, PipeFds, judge, prlimit_argv, stage_files, supervisor_script
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


def test_a_pids_cgroup_when_root_limits_and_kills_its_processes():
    cgroup = PidsCgroup.create(5)
    if os.geteuid() != 0:
        assert cgroup is None
        return
    if cgroup is None:
        pytest.skip("no writable pids cgroup here")
    assert (cgroup.path / "pids.max").read_text().strip() == "5"
    pid = os.fork()
    if pid == 0:
        cgroup.join_self()
        os.execvp("sleep", ["sleep", "30"])
    reaper = threading.Thread(target=os.waitpid, args=(pid, 0))
    reaper.start()
    for _ in range(1000):
        if cgroup.pids():
            break
        time.sleep(0.001)
    assert cgroup.pids() == [pid]
    assert cgroup.kill_all_and_remove()
    assert not cgroup.path.exists()
    reaper.join()
