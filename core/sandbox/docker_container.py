"""One hardened warm container running the in-container supervisor (core/sandbox/supervisor.py).

The container is created with no network, a read-only root, sized tmpfs mounts as the only
writable places, a non-root user, no capabilities, no-new-privileges, the project's seccomp
profile, equal memory and memory+swap limits, a CPU and a pids limit and an init. The limits are
then checked from inside (Docker can drop one with only a warning). Work goes to the supervisor
over the container's attached stdin; output and results come back over its stdout.
"""

import base64
import json
import os
import secrets
import select
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from core.sandbox.base import RunLimits

SUPERVISOR_PROTOCOL = 2
SUPERVISOR_PATH = "/opt/sandbox/supervisor.py"
SANDBOX_UID = 10001
LABEL = "ondevice-assistant.sandbox"
OWNER_LABEL = "ondevice-assistant.owner"
TMP_MB = 64
SHM_MB = 16
SEND_TIMEOUT_SECONDS = 30
PROCESS_HEADROOM = 2  # the init and the supervisor count against the pids limit too
_DOCKER_HEADER = struct.Struct(">BxxxL")
_FRAME_HEADER = struct.Struct(">cI")


class ContainerError(Exception):
    """The container or its supervisor failed (not the program): the run is a sandbox error."""


class ContainerDied(ContainerError):
    """The supervisor's stream ended: the container stopped during a run."""


class SupervisorTimeout(ContainerError):
    """The supervisor did not answer before the host-side deadline (it was stopped or is stuck)."""


@dataclass(frozen=True)
class ContainerShape:
    """The limits fixed when a container is created; runs with the same shape share containers."""

    memory_mb: int
    cpus: float
    max_processes: int
    disk_mb: int

    @classmethod
    def from_limits(cls, limits: RunLimits) -> "ContainerShape":
        return cls(limits.memory_mb, limits.cpus, limits.max_processes, limits.disk_mb)


def seccomp_profile() -> str:
    """The project's seccomp profile (core/sandbox/seccomp.json), passed as JSON with security_opt.

    A profile given this way REPLACES Docker's default, so it is an allowlist derived from Docker's
    own default profile (moby/profiles seccomp v0.2.3, Apache-2.0, Copyright Docker, Inc.) and made
    stricter: no capability-conditional grants, no ptrace or cross-process memory access, no
    socketcall, native architectures only (a 32-bit syscall kills the process), io_uring and clone3
    answering ENOSYS. Its "comment" key lists every difference. Shipping it keeps the container's
    kernel surface the same whatever engine version runs it.
    """
    return resources.files("core.sandbox").joinpath("seccomp.json").read_text(encoding="utf-8")


def owner_label() -> str:
    """host:pid:start-time of this process, so a later start can tell whether the owner is gone."""
    return f"{socket.gethostname()}:{os.getpid()}:{process_start_time(os.getpid())}"


def process_start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return "?"


def owner_is_gone(label: str) -> bool:
    host, _, rest = label.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    return process_start_time(int(pid_text)) != start


def create_kwargs(image: str, shape: ContainerShape, tools: list[str]) -> dict[str, Any]:
    """Arguments of docker-py's containers.create for a hardened warm container."""
    from docker.types import LogConfig, Ulimit

    memory = f"{shape.memory_mb}m"
    return {
        "image": image,
        "command": ["python3", "-I", "-B", SUPERVISOR_PATH],
        "user": f"{SANDBOX_UID}:{SANDBOX_UID}",
        "working_dir": "/work",
        "environment": {"SANDBOX_TOOLS": ",".join(tools), "PATH": "/usr/local/bin:/usr/bin:/bin",
                        "LANG": "C.UTF-8"},
        "stdin_open": True,
        "tty": False,
        "network_mode": "none",
        "read_only": True,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true", f"seccomp={seccomp_profile()}"],
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(shape.cpus * 1e9),
        "pids_limit": shape.max_processes + PROCESS_HEADROOM,
        "init": True,
        "ipc_mode": "private",
        "tmpfs": {
            "/work": f"rw,exec,nosuid,nodev,size={shape.disk_mb}m,uid={SANDBOX_UID},gid={SANDBOX_UID},mode=0700",
            "/tmp": f"rw,noexec,nosuid,nodev,size={TMP_MB}m,mode=1777",
        },
        "shm_size": f"{SHM_MB}m",
        "ulimits": [Ulimit(name="core", soft=0, hard=0), Ulimit(name="nofile", soft=1024, hard=1024)],
        "log_config": LogConfig(type="none"),
        "labels": {LABEL: "1", OWNER_LABEL: owner_label()},
        "detach": True,
    }


def limit_problems(hello: dict, shape: ContainerShape) -> list[str]:
    """What the container reports from inside that differs from what was asked."""
    problems = []
    if hello.get("protocol") != SUPERVISOR_PROTOCOL:
        problems.append("the sandbox image is out of date: run `assistant sandbox build`")
    if hello.get("uid") == 0:
        problems.append("the supervisor runs as root")
    if hello.get("interfaces") != ["lo"]:
        problems.append(f"network interfaces inside are {hello.get('interfaces')}, expected only lo")
    if hello.get("root_writable"):
        problems.append("the root filesystem is writable")
    limits = hello.get("limits", {})
    memory = str(shape.memory_mb * 1024 * 1024)
    if limits.get("memory") != memory:
        problems.append(f"memory limit reads {limits.get('memory')}, expected {memory}")
    expected_swap = memory if limits.get("cgroup") == 1 else "0"
    if limits.get("memory_swap") != expected_swap:
        problems.append(f"memory+swap limit reads {limits.get('memory_swap')} (swap not limited)")
    pids = str(shape.max_processes + PROCESS_HEADROOM)
    if limits.get("pids") != pids:
        problems.append(f"pids limit reads {limits.get('pids')}, expected {pids} (dropped by Docker?)")
    quota, _, period = str(limits.get("cpu")).partition(" ")
    try:
        cpus = int(quota) / int(period)
    except ValueError:
        cpus = -1.0
    if abs(cpus - shape.cpus) > 0.01:
        problems.append(f"CPU limit reads {limits.get('cpu')!r}, expected {shape.cpus} CPUs")
    return problems


FrameHandler = Callable[[bytes, bytes], None]


class WarmContainer:
    """A started container with its supervisor ready for work. Not thread-safe: one run at a time."""

    def __init__(self, client: Any, image: str, shape: ContainerShape, tools: list[str]) -> None:
        self.shape = shape
        self.runs = 0
        self.hello: dict = {}
        self._client = client
        self._buffer = b""
        self._payload = b""
        self._stderr = b""
        self._sock: socket.socket | None = None
        self.container = client.containers.create(**create_kwargs(image, shape, tools))
        try:
            self._start()
        except BaseException:
            self.destroy()
            raise

    @property
    def id(self) -> str:
        return self.container.id

    def _start(self) -> None:
        self.container.reload()
        network = self.container.attrs["HostConfig"]["NetworkMode"]
        if network != "none":
            raise ContainerError(f"the container was created with network mode {network!r}, not 'none'")
        attached = self._client.api.attach_socket(
            self.id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        self._sock = getattr(attached, "_sock", attached)
        self._attached = attached  # keeps the HTTP response (and so the socket) alive
        self.container.start()
        kind, payload = self.read_frame(time.monotonic() + 30)
        if kind != b"H":
            raise ContainerError(f"the supervisor sent {kind!r} before its hello")
        self.hello = json.loads(payload)
        problems = limit_problems(self.hello, self.shape)
        if problems:
            raise ContainerError("the sandbox container is not as hardened as asked: " + "; ".join(problems))

    def send(self, message: dict) -> None:
        data = json.dumps(message).encode()
        assert self._sock is not None
        self._sock.settimeout(SEND_TIMEOUT_SECONDS)
        try:
            self._sock.sendall(struct.pack(">I", len(data)) + data)
        except OSError as exc:
            raise ContainerDied(f"could not send work to the sandbox container ({exc})") from None

    def read_frame(self, deadline: float, poll: Callable[[], None] | None = None) -> tuple[bytes, bytes]:
        """The next supervisor frame; calls `poll` about every 0.1 s while waiting.
        Raises SupervisorTimeout past `deadline`, ContainerDied at end of stream."""
        while True:
            if len(self._payload) >= _FRAME_HEADER.size:
                kind, size = _FRAME_HEADER.unpack_from(self._payload)
                end = _FRAME_HEADER.size + size
                if len(self._payload) >= end:
                    frame = self._payload[_FRAME_HEADER.size:end]
                    self._payload = self._payload[end:]
                    return kind, frame
            self._read_docker_frame(deadline, poll)

    def _read_docker_frame(self, deadline: float, poll: Callable[[], None] | None) -> None:
        while True:
            if len(self._buffer) >= _DOCKER_HEADER.size:
                stream, size = _DOCKER_HEADER.unpack_from(self._buffer)
                end = _DOCKER_HEADER.size + size
                if len(self._buffer) >= end:
                    data = self._buffer[_DOCKER_HEADER.size:end]
                    self._buffer = self._buffer[end:]
                    if stream == 1:
                        self._payload += data
                        return
                    self._stderr = (self._stderr + data)[-4096:]
                    continue
            self._buffer += self._recv(deadline, poll)

    def _recv(self, deadline: float, poll: Callable[[], None] | None) -> bytes:
        assert self._sock is not None
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SupervisorTimeout("the sandbox supervisor did not answer in time")
            self._sock.settimeout(min(left, 0.1))
            try:
                data = self._sock.recv(262144)
            except TimeoutError:
                if poll is not None:
                    poll()
                continue
            except OSError as exc:
                raise ContainerDied(f"the container's stream failed ({exc})") from None
            if not data:
                tail = self._stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
                raise ContainerDied("the sandbox container stopped" + (f": {tail[0]}" if tail else ""))
            return data

    def execute(self, request: dict, on_frame: FrameHandler, deadline: float,
                cancelled: Callable[[], bool]) -> dict:
        """Send one run request; stream its frames to `on_frame`; return the supervisor's result.
        The program can write frames into the channel (through the init's stdout, /proc/1/fd/1):
        a result that does not echo this request's nonce is forged, and raises ContainerError."""
        self.runs += 1
        nonce = secrets.token_hex(16)
        self.send({"op": "run", **request, "nonce": nonce})
        sent_cancel = False

        def poll() -> None:
            nonlocal sent_cancel
            if not sent_cancel and cancelled():
                sent_cancel = True
                self.send({"op": "cancel"})

        while True:
            kind, payload = self.read_frame(deadline, poll)
            if kind == b"R":
                try:
                    reply = json.loads(payload)
                except ValueError:
                    reply = None
                if not isinstance(reply, dict) or not secrets.compare_digest(str(reply.get("nonce")), nonce):
                    raise ContainerError("a run result did not come from the sandbox supervisor "
                                         "(forged by the program?); the container was replaced")
                return reply
            on_frame(kind, payload)

    def is_alive(self) -> bool:
        """False when the container's stream has ended (stopped or removed while idle)."""
        if self._sock is None:
            return False
        readable, _, _ = select.select([self._sock], [], [], 0)
        if not readable:
            return True
        try:
            return bool(self._sock.recv(1, socket.MSG_PEEK))
        except OSError:
            return False

    def oom_killed(self) -> bool:
        try:
            self.container.reload()
            return bool(self.container.attrs["State"].get("OOMKilled"))
        except Exception:  # noqa: BLE001 - the container may be gone already
            return False

    def destroy(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - already gone or the engine stopped: nothing left to do
            pass


def encode_files(files: dict[str, str | bytes]) -> dict[str, str]:
    return {name: base64.b64encode(content.encode() if isinstance(content, str) else content).decode("ascii")
            for name, content in files.items()}
