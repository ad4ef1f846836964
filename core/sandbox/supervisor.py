"""In-container supervisor of a warm sandbox container (copied into the image, run by python3).

It lives for the container's lifetime under the container's init and takes work over its stdin,
so a run costs a process spawn instead of a new `docker exec` session. For each request it:
writes the files into a fresh work directory, compiles and runs in a new session with the
wall-clock limits, forwards output (capped, drained to EOF), kills every process left
(`kill(-1, SIGKILL)` spares only itself and PID 1), checks that none survived, wipes every
writable mount and reports the cgroup OOM-kill delta.

Protocol (no dependencies outside the standard library; this file must stay self-contained):
  host → supervisor: frames of 4-byte big-endian length + JSON ({"op": "run", ...} or
                     {"op": "cancel"})
  supervisor → host: frames of 1 type byte + 4-byte big-endian length + payload:
                     H hello (JSON), 1 stdout, 2 stderr, c compile output, R result (JSON)
The container's init runs as the program's uid, so a program can open /proc/1/fd/1 and write
frames of its own into this channel: each result echoes the request's random nonce, which only
this (non-dumpable) process has seen, and the host rejects a result without it.
"""

import base64
import ctypes
import json
import os
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import time

PROTOCOL = 2
WRITABLE = ("/work", "/tmp", "/dev/shm", "/dev/mqueue")
WORK_ROOT = "/work"
DRAIN_AFTER_EXIT = 2.0
CHUNK = 65536
# A program can signal us (same uid) directly or through PID 1, which forwards: ignore all that
# can be ignored. SIGKILL ends the container, which the host notices and replaces.
IGNORED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE, signal.SIGUSR1,
                   signal.SIGUSR2, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU)

_out = sys.stdout.buffer
_in_fd = sys.stdin.fileno()


def send(kind: bytes, payload: bytes) -> None:
    _out.write(kind + struct.pack(">I", len(payload)) + payload)
    _out.flush()


def send_json(kind: bytes, data: dict) -> None:
    send(kind, json.dumps(data).encode())


class Input:
    """Reads length-prefixed JSON frames from stdin without blocking the run loop."""

    def __init__(self) -> None:
        self.buffer = b""
        self.closed = False

    def fill(self) -> None:
        data = os.read(_in_fd, CHUNK)
        if not data:
            self.closed = True
        self.buffer += data

    def next_frame(self) -> dict | None:
        if len(self.buffer) < 4:
            return None
        (size,) = struct.unpack(">I", self.buffer[:4])
        if len(self.buffer) < 4 + size:
            return None
        payload, self.buffer = self.buffer[4:4 + size], self.buffer[4 + size:]
        return json.loads(payload)

    def wait_frame(self) -> dict | None:
        while True:
            frame = self.next_frame()
            if frame is not None or self.closed:
                return frame
            self.fill()


def read_first_line(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.readline().strip()
    except OSError:
        return None


def cgroup_limits() -> dict:
    """The limits the kernel enforces, read from inside (Docker may drop one with a warning)."""
    v1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
    if os.path.exists(v1):
        quota = read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")
        period = read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us")
        return {
            "cgroup": 1,
            "memory": read_first_line(v1),
            "memory_swap": read_first_line("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"),
            "pids": read_first_line("/sys/fs/cgroup/pids/pids.max"),
            "cpu": f"{quota} {period}",
        }
    swap = read_first_line("/sys/fs/cgroup/memory.swap.max")
    return {
        "cgroup": 2,
        "memory": read_first_line("/sys/fs/cgroup/memory.max"),
        "memory_swap": swap,
        "pids": read_first_line("/sys/fs/cgroup/pids.max"),
        "cpu": read_first_line("/sys/fs/cgroup/cpu.max"),
    }


def oom_kills() -> int:
    for path, key in (("/sys/fs/cgroup/memory/memory.oom_control", "oom_kill"),
                      ("/sys/fs/cgroup/memory.events", "oom_kill")):
        try:
            with open(path) as f:
                for line in f:
                    name, _, value = line.partition(" ")
                    if name == key:
                        return int(value)
        except OSError:
            continue
    return -1


def hello() -> dict:
    tools = [t for t in os.environ.get("SANDBOX_TOOLS", "").split(",") if t]
    return {
        "protocol": PROTOCOL,
        "uid": os.getuid(),
        "interfaces": sorted(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else [],
        "limits": cgroup_limits(),
        "tools": {t: shutil.which(t) is not None for t in tools},
        "root_writable": os.access("/", os.W_OK) or os.access("/etc", os.W_OK),
    }


def other_pids() -> list[int]:
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]


def kill_everything(proc=None, deadline_seconds: float = 2.0) -> list[int]:
    """SIGKILL every process but PID 1 and this one until none is left; the survivors' pids.
    Orphans are reaped by PID 1; our own child `proc` is reaped here (keeping its exit status)."""
    end = time.monotonic() + deadline_seconds
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc is not None:
            proc.poll()
        left = other_pids()
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.002)


def _force_remove(func, path, _exc) -> None:
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            shutil.rmtree(path, onerror=_force_remove)
        else:
            os.unlink(path)
    except OSError:
        pass


def wipe() -> bool:
    """Empty every writable mount; True when all of them are empty afterwards."""
    clean = True
    for root in WRITABLE:
        if not os.path.isdir(root):
            continue  # /dev/mqueue is not mounted everywhere
        try:
            entries = os.listdir(root)
        except OSError:  # e.g. the program made /work unreadable: the container must go
            clean = False
            continue
        for name in entries:
            path = os.path.join(root, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, onerror=_force_remove)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass
        try:
            clean = clean and not os.listdir(root)
        except OSError:
            clean = False
    return clean


def write_files(workdir: str, files: dict) -> None:
    for rel, encoded in files.items():
        parts = [p for p in rel.split("/") if p not in ("", ".")]
        if not parts or ".." in parts or rel.startswith("/"):
            raise ValueError(f"file name {rel!r} leaves the work directory")
        parent = workdir
        for part in parts[:-1]:
            parent = os.path.join(parent, part)
            os.makedirs(parent, exist_ok=True)
        path = os.path.join(parent, parts[-1])
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o755)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64decode(encoded))


def child_setup() -> None:
    """In the child before exec: default signal handling, the OOM killer's first choice."""
    for sig in IGNORED_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


class Forwarder:
    """Forwards one pipe's bytes to the host as frames of `kind`, up to `cap` (+1); drains the rest."""

    def __init__(self, fd: int, kind: bytes, cap: int) -> None:
        self.fd, self.kind, self.cap = fd, kind, cap
        self.sent = 0
        self.truncated = False

    def pump(self) -> bool:
        """Read once; False at EOF."""
        try:
            data = os.read(self.fd, CHUNK)
        except OSError:
            data = b""
        if not data:
            return False
        room = self.cap + 1 - self.sent  # one byte past the cap tells the host to mark the cut
        if len(data) > room:
            self.truncated = True
            data = data[:max(room, 0)]
        if data:
            self.sent += len(data)
            send(self.kind, data)
        return True


def run_step(argv: list, workdir: str, env: dict, timeout: float, cap: int, inp: Input,
             merged_kind: bytes | None, stdin_data: bytes | None) -> dict:
    """Run one step to its end or limit; kill everything it left. Output goes out as frames."""
    out_r, out_w = os.pipe()
    if merged_kind is None:
        err_r, err_w = os.pipe()
    else:
        err_r, err_w = None, out_w
    stdin_arg = subprocess.PIPE if stdin_data else subprocess.DEVNULL
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, cwd=workdir, env=env, stdin=stdin_arg, stdout=out_w, stderr=err_w,
                                start_new_session=True, preexec_fn=child_setup, close_fds=True)
    except OSError as exc:
        for fd in {out_r, out_w, err_r, err_w} - {None}:
            os.close(fd)
        return {"exit_code": 127, "signal": None, "timed_out": False, "cancelled": False,
                "seconds": 0.0, "truncated": False, "spawn_error": f"{argv[0]}: {exc.strerror}"}
    os.close(out_w)
    if err_w is not None and merged_kind is None:
        os.close(err_w)
    if stdin_data:
        try:
            proc.stdin.write(stdin_data)
        except OSError:
            pass
        try:
            proc.stdin.close()
        except OSError:
            pass
    forwarders = [Forwarder(out_r, merged_kind or b"1", cap)]
    if err_r is not None:
        forwarders.append(Forwarder(err_r, b"2", cap))
    sel = selectors.DefaultSelector()
    for fw in forwarders:
        sel.register(fw.fd, selectors.EVENT_READ, fw)
    sel.register(_in_fd, selectors.EVENT_READ, None)
    deadline = start + timeout
    timed_out = cancelled = False
    exited_at = None
    open_count = len(forwarders)
    while True:
        now = time.monotonic()
        if exited_at is None and proc.poll() is not None:
            exited_at = now
            kill_group(proc.pid)
            kill_everything(proc, 0.5)
        elif exited_at is None and now >= deadline and not (timed_out or cancelled):
            timed_out = True
            kill_group(proc.pid)
            kill_everything(proc, 0.5)
        if exited_at is not None and (open_count == 0 or now - exited_at > DRAIN_AFTER_EXIT):
            break
        wait = 0.05 if exited_at is not None else min(0.05, max(deadline - now, 0.001))
        for key, _ in sel.select(wait):
            if key.data is None:
                try:
                    inp.fill()
                except OSError:
                    inp.closed = True
                frame = inp.next_frame()
                if inp.closed or (frame is not None and frame.get("op") == "cancel"):
                    cancelled = True
                    kill_group(proc.pid)
                    kill_everything(proc, 0.5)
                if inp.closed:
                    sel.unregister(_in_fd)
                continue
            if not key.data.pump():
                sel.unregister(key.fd)
                open_count -= 1
    code = proc.wait()
    seconds = time.monotonic() - start
    for fw in forwarders:
        os.close(fw.fd)
    sel.close()
    return {
        "exit_code": code if code >= 0 else 128 - code,
        "signal": -code if code < 0 else None,
        "timed_out": timed_out,
        "cancelled": cancelled,
        "seconds": seconds,
        "truncated": any(fw.truncated for fw in forwarders),
    }


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def handle(request: dict, inp: Input, counter: int) -> dict:
    oom_before = oom_kills()
    workdir = f"{WORK_ROOT}/run-{counter}"
    os.mkdir(workdir, 0o700)
    result: dict = {"workdir": workdir, "compile": None, "run": None}
    try:
        write_files(workdir, request["files"])
    except (ValueError, OSError) as exc:
        result["setup_error"] = str(exc)
        return finish(result, oom_before)
    env = {k: v.replace("{workdir}", workdir) for k, v in request["env"].items()}
    cap = int(request["cap"])
    if request.get("compile"):
        step = run_step(request["compile"], workdir, env, float(request["compile_timeout"]), cap, inp,
                        b"c", None)
        result["compile"] = step
        left = kill_everything()
        if left or step["exit_code"] != 0 or step["timed_out"] or step["cancelled"]:
            result["leftover"] = left
            return finish(result, oom_before)
    stdin_data = base64.b64decode(request["stdin"]) if request.get("stdin") else None
    result["run"] = run_step(request["run"], workdir, env, float(request["timeout"]), cap, inp,
                             None, stdin_data)
    return finish(result, oom_before)


def finish(result: dict, oom_before: int) -> dict:
    result["leftover"] = result.get("leftover") or kill_everything()
    result["oom_kills"] = max(oom_kills() - oom_before, 0) if oom_before >= 0 else 0
    result["wiped"] = wipe()
    return result


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0: programs of the same uid cannot ptrace or read us
    for sig in IGNORED_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    wipe()
    send_json(b"H", hello())
    inp = Input()
    counter = 0
    while True:
        request = inp.wait_frame()
        if request is None:
            return
        if request.get("op") != "run":
            continue
        counter += 1
        send_json(b"R", {**handle(request, inp, counter), "nonce": request.get("nonce")})


if __name__ == "__main__":
    main()
