"""A per-run pids cgroup, used when the assistant runs as root.

RLIMIT_NPROC does not apply to root (the kernel exempts uid 0), so a fork bomb run by root is
bounded with the pids controller instead. The cgroup also lists every process of the run, so the
whole tree — including a child that called setsid — can be killed at the end.

Speed: moving another process into a cgroup takes the kernel's global threadgroup lock and waits
for an RCU grace period (10–20 ms, measured on cgroup v1). A thread moving *itself* skips that
lock, and cgroup v1 moves single threads: so on v1 the thread that starts the run steps into the
cgroup, forks the child there (which starts inside) and steps back out, all in well under a
millisecond. cgroup v2 moves only whole processes: there the child moves itself in before exec.
"""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

_V1_ROOT = Path("/sys/fs/cgroup/pids")
_V2_ROOT = Path("/sys/fs/cgroup")


class PidsCgroup:
    def __init__(self, path: Path, v1: bool) -> None:
        self.path = path
        self._v1 = v1
        self._procs = str(path / "cgroup.procs")

    @classmethod
    def create(cls, max_pids: int) -> "PidsCgroup | None":
        """A fresh cgroup limited to `max_pids` tasks, or None when not root or unsupported."""
        if os.geteuid() != 0:
            return None
        parent = _writable_parent()
        if parent is None:
            return None
        path = parent / f"ondevice-assistant-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_pids))
        except OSError:
            _rmdir(path)
            return None
        return cls(path, parent == _V1_ROOT)

    def popen(self, argv: list[str], **kwargs: Any) -> subprocess.Popen:
        """subprocess.Popen(argv, **kwargs) with the child starting inside this cgroup."""
        if not self._v1:
            return subprocess.Popen(argv, preexec_fn=self.join_self, **kwargs)  # noqa: S603
        home = _V1_ROOT / _own_v1_cgroup().lstrip("/") / "tasks"
        _write(self.path / "tasks", "0")  # "0": the calling thread, which skips the global lock
        try:
            return subprocess.Popen(argv, **kwargs)  # noqa: S603
        finally:
            _write(home, "0")

    def join_self(self) -> None:
        """Move the calling process in (used in a child before exec). Must not allocate much."""
        _write(self._procs, str(os.getpid()))

    def pids(self) -> list[int]:
        """The processes in the cgroup (never this one, which passes through it on cgroup v1)."""
        try:
            listed = Path(self._procs).read_text().split()
        except OSError:
            return []
        own = os.getpid()
        return [pid for pid in map(int, listed) if pid != own]

    def kill_all_and_remove(self, timeout: float = 2.0) -> bool:
        """SIGKILL every process in the cgroup until it is empty, then remove it. False when
        something was still alive at the end."""
        return _wait_for(self._kill_round, timeout) and _wait_for(self._remove, timeout)

    def _kill_round(self) -> bool:
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return not pids

    def _remove(self) -> bool:
        return _rmdir(self.path)


def _own_v1_cgroup() -> str:
    """The calling thread's pids cgroup (v1), relative to the hierarchy's root."""
    with open("/proc/thread-self/cgroup", encoding="ascii") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "pids" in controllers.split(","):
                return path
    raise OSError("this thread is in no pids cgroup")


def _write(path: str | Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _wait_for(done: Callable[[], bool], timeout: float) -> bool:
    """Poll `done` with a short exponential backoff (0.2 ms doubling to 20 ms) until `timeout`."""
    deadline = time.monotonic() + timeout
    delay = 0.0002
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)
    return True


def _writable_parent() -> Path | None:
    if (_V1_ROOT / "pids.max").exists() or (_V1_ROOT / "cgroup.procs").exists():
        return _V1_ROOT if os.access(_V1_ROOT, os.W_OK) else None
    controllers = _V2_ROOT / "cgroup.subtree_control"
    try:
        if "pids" in controllers.read_text().split() and os.access(_V2_ROOT, os.W_OK):
            return _V2_ROOT
    except OSError:
        pass
    return None


def _rmdir(path: Path) -> bool:
    try:
        path.rmdir()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True
