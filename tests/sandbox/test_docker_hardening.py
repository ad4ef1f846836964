"""The Docker sandbox's containers are created hardened, verified from inside, and cleaned up;
the executor keeps its contract (streaming, stdin, cancel, env, missing toolchains)."""

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.cancel import CancelToken
from core.config import DockerConfig
from core.errors import ToolchainMissingError
from core.languages import Language, resolve_language
from core.sandbox.base import RunStatus
from core.sandbox.docker import DockerSandbox, connect, unavailable_reason
from core.sandbox.docker_container import LABEL, OWNER_LABEL, SANDBOX_UID
from tests.sandbox.docker_support import LIMITS, open_docker_sandbox, require_docker, run

pytestmark = pytest.mark.docker

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox():
    sandbox = open_docker_sandbox()
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module")
def client():
    require_docker()
    client = connect()
    yield client
    client.close()


def pool_containers(sandbox, client):
    run(sandbox, "pass")  # makes sure the pool holds a started container
    return [client.containers.get(cid) for cid in sandbox._pool.container_ids()]


def test_containers_are_created_hardened(sandbox, client):
    containers = pool_containers(sandbox, client)
    assert containers
    for container in containers:
        host = container.attrs["HostConfig"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert host["Privileged"] is False
        assert "no-new-privileges:true" in host["SecurityOpt"]
        assert any(opt.startswith("seccomp=") and "io_uring_setup" in opt for opt in host["SecurityOpt"])
        assert host["Memory"] == host["MemorySwap"] == LIMITS.memory_mb * 1024 * 1024
        assert host["NanoCpus"] == int(LIMITS.cpus * 1e9)
        assert host["PidsLimit"] >= LIMITS.max_processes
        assert host["Init"] is True
        assert not host["Binds"] and not container.attrs["Mounts"]
        assert all("size=" in options for options in host["Tmpfs"].values())
        assert host["ShmSize"] > 0 and host["LogConfig"]["Type"] == "none"
        assert container.attrs["Config"]["User"] == f"{SANDBOX_UID}:{SANDBOX_UID}"
        assert container.labels[LABEL] == "1"


def test_limits_are_enforced_by_the_kernel_as_read_from_inside(sandbox):
    code = (
        "import os\n"
        "def read(p):\n"
        "    return open(p).read().strip()\n"
        "print(read('/sys/fs/cgroup/memory/memory.limit_in_bytes'))\n"
        "print(read('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes'))\n"
        "print(read('/sys/fs/cgroup/pids/pids.max') != 'max')\n"
        "print(os.getuid(), os.path.exists('/var/run/docker.sock'))\n"
        "st = os.statvfs('.')\n"
        "print(st.f_blocks * st.f_frsize // (1 << 20))\n"
    )
    result = run(sandbox, code)
    memory = str(LIMITS.memory_mb * 1024 * 1024)
    assert result.stdout.splitlines() == [memory, memory, "True", f"{SANDBOX_UID} False", str(LIMITS.disk_mb)]


def test_program_environment_is_only_what_the_sandbox_sets(sandbox):
    os.environ["ASSISTANT_TEST_SECRET"] = "leak"
    try:
        result = run(sandbox, "import os\nprint(sorted(os.environ))")
    finally:
        del os.environ["ASSISTANT_TEST_SECRET"]
    assert "ASSISTANT_TEST_SECRET" not in result.stdout
    assert "SANDBOX_TOOLS" not in result.stdout


def test_workdir_placeholder_in_language_env_is_the_run_directory(sandbox):
    language = replace(resolve_language("python"), env={"PROBE": "{workdir}/cache"})
    result = sandbox.run({"main.py": "import os\nprint(os.environ['PROBE'] == os.getcwd() + '/cache')"},
                         language, LIMITS)
    assert result.stdout == "True\n", result


def test_source_larger_than_an_argument_is_sent_whole(sandbox):
    code = "data = '" + "a" * (3 << 20) + "'\nprint(len(data))\n"
    result = run(sandbox, code)
    assert result.stdout == f"{3 << 20}\n", result.detail


def test_stdin_reaches_the_program(sandbox):
    result = run(sandbox, "import sys\nprint(sys.stdin.read().upper())", stdin="hello\n")
    assert result.stdout == "HELLO\n\n"


def test_output_is_streamed_while_the_program_runs(sandbox):
    seen: list[tuple[float, str, str]] = []
    code = "import time\nprint('first', flush=True)\ntime.sleep(1)\nprint('second')"
    result = run(sandbox, code, on_output=lambda stream, text: seen.append((time.monotonic(), stream, text)))
    finished = time.monotonic()
    assert result.stdout == "first\nsecond\n"
    assert seen[0][1] == "stdout" and seen[0][2].startswith("first")
    assert finished - seen[0][0] > 0.5


def test_cancel_kills_the_run_promptly(sandbox):
    cancel = CancelToken()
    threading.Timer(0.5, cancel.cancel).start()
    started = time.monotonic()
    result = run(sandbox, "import time\ntime.sleep(30)", limits=replace(LIMITS, timeout_seconds=30), cancel=cancel)
    assert result.status is RunStatus.KILLED, result
    assert time.monotonic() - started < 3


def test_missing_toolchain_names_the_package_to_install(sandbox):
    language = Language(name="cobol", display_name="COBOL", aliases=(), extension="cob",
                        source_file="main.cob", run=("cobc", "main.cob"), toolchain=("cobc",),
                        debian_packages=("gnucobol",))
    with pytest.raises(ToolchainMissingError, match="gnucobol"):
        sandbox.check(language)


def test_container_is_recycled_after_the_configured_number_of_runs():
    sandbox = open_docker_sandbox(DockerConfig(recycle_after_runs=2))
    try:
        hosts = [run(sandbox, "import os\nprint(os.uname().nodename)").stdout for _ in range(3)]
    finally:
        sandbox.close()
    assert hosts[0] == hosts[1] != hosts[2]


def test_close_removes_the_containers(client):
    sandbox = open_docker_sandbox()
    run(sandbox, "pass")
    ids = sandbox._pool.container_ids()
    sandbox.close()
    sandbox.close()
    left = client.api.containers(all=True, filters={"label": LABEL})
    assert ids and not {c["Id"] for c in left} & set(ids)


def test_containers_left_by_a_dead_process_are_removed_at_the_next_start(client):
    orphan = client.containers.create(
        DockerConfig().image, command=["true"], network_mode="none",
        labels={LABEL: "1", OWNER_LABEL: f"{os.uname().nodename}:{2**22 - 7}:1"})  # no such pid
    sandbox = DockerSandbox(DockerConfig())
    try:
        run(sandbox, "pass")
        left = client.api.containers(all=True, filters={"id": orphan.id})
    finally:
        sandbox.close()
    assert left == []


def test_unavailable_reason_names_the_build_command_for_a_missing_image():
    require_docker()
    reason = unavailable_reason(DockerConfig(image="ondevice-assistant-sandbox:no-such-tag"))
    assert reason is not None and "assistant sandbox build" in reason


def test_unavailable_reason_is_none_when_engine_and_image_are_there():
    require_docker()
    assert unavailable_reason(DockerConfig()) is None


def test_ctrl_c_during_a_run_removes_the_containers(client, tmp_path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-m", "core.cli.main", "exec", str(script), "--sandbox", "docker"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT_DIR)
    try:
        assert proc.stdout.readline() == "started\n"
        owned = owned_by(client, proc.pid)
        assert owned
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
    finally:
        proc.kill()
    assert owned_by(client, proc.pid) == []


def owned_by(client, pid: int) -> list[str]:
    return [c["Id"] for c in client.api.containers(all=True, filters={"label": LABEL})
            if c["Labels"].get(OWNER_LABEL, "").split(":")[1:2] == [str(pid)]]


def test_an_idle_container_removed_behind_the_pools_back_is_replaced(client):
    sandbox = open_docker_sandbox()
    try:
        run(sandbox, "pass")
        for cid in sandbox._pool.container_ids():
            client.api.remove_container(cid, force=True)
        result = run(sandbox, "print('fresh')")
    finally:
        sandbox.close()
    assert result.status is RunStatus.OK and result.stdout == "fresh\n", result
