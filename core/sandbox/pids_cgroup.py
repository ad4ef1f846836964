"""A per-run pids cgroup, used when the assistant runs as root.

RLIMIT_NPROC does not apply to root (the kernel exempts uid 0), so a fork bomb run by root is
bounded with the pids controller instead. The cgroup also lists every process of the run, so the
whole tree — including a child that called setsid — can be killed at the end.
"""

import os
import signal
import time
import uuid
from pathlib import Path

_V1_ROOT = Path("/sys/fs/cgroup/pids")
_V2_ROOT = Path("/sys/fs/cgroup")


class PidsCgroup:
    def __init__(self, path: Path) -> None:
        self.path = path
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
        return cls(path)

    def join_self(self) -> None:
        """Move the calling process in (used in a child before exec). Must not allocate much."""
        fd = os.open(self._procs, os.O_WRONLY)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)

    def pids(self) -> list[int]:
        try:
            return [int(line) for line in Path(self._procs).read_text().split()]
        except OSError:
            return []

    def kill_all_and_remove(self, timeout: float = 2.0) -> bool:
        """SIGKILL every process in the cgroup until it is empty, then remove it. False when
        something was still alive at the end."""
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return _rmdir(self.path)


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
    for _ in range(50):
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.01)
    return False
