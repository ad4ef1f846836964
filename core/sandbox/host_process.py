"""Run a program with the host's toolchains under a host sandbox (bwrap, firejail or none).

One process is started per run: the sandbox tool, inside it a small bash supervisor that
compiles (when the language has a step) and then execs the program under `prlimit`
(bash, not sh: the pipes it writes to may have numbers above 9, which dash cannot name). The
supervisor reports its progress on a private status pipe and sends the compiler's output down a
pipe of its own; both are closed before the program starts, so the program cannot forge them.

Limits: wall clock (here, by SIGKILL of the whole process group, and of the pids cgroup when
running as root), and rlimits set inside the sandbox after its namespaces exist: writable memory
(RLIMIT_DATA — JVM and V8 reserve more address space than any sane RLIMIT_AS), CPU seconds,
processes, file size, open files, no core dumps.
"""

import contextlib
import math
import os
import selectors
import shlex
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from core.cancel import CancelToken
from core.languages import Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus
from core.sandbox.capture import StreamCapture
from core.sandbox.pids_cgroup import PidsCgroup

DRAIN_AFTER_EXIT_SECONDS = 2.0
OPEN_FILES_LIMIT = 256
# A compile step may take more memory than the program (rustc, javac): at least this much.
COMPILE_MEMORY_FLOOR_MB = 1024

_OOM_MARKERS = (
    "MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory",
    "OutOfMemoryError", "heap out of memory", "memory allocation of", "Could not reserve enough space",
)


@dataclass
class Outcome:
    """What happened to one supervised run, before it is judged."""

    exit_code: int | None = None
    signal: int | None = None
    compile_exit: int | None = None
    reached_run: bool = False
    timed_out: str | None = None          # "compile" or "run"
    cancelled: bool = False
    compile_seconds: float = 0.0
    run_seconds: float = 0.0
    stdout: StreamCapture | None = None
    stderr: StreamCapture | None = None
    compile_output: StreamCapture | None = None
    sandbox_log: StreamCapture | None = None
    notes: list[str] = field(default_factory=list)


def base_env(language: Language, workdir: str, path: str, tmpdir: str) -> dict[str, str]:
    """The whole environment a program gets: nothing from the assistant's own."""
    env = {"PATH": path, "HOME": workdir, "TMPDIR": tmpdir, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.update({k: v.replace("{workdir}", workdir) for k, v in language.env.items()})
    return env


def prlimit_argv(limits: RunLimits, *, compile_step: bool) -> list[str]:
    memory_mb = max(limits.memory_mb, COMPILE_MEMORY_FLOOR_MB) if compile_step else limits.memory_mb
    seconds = limits.compile_timeout_seconds if compile_step else limits.timeout_seconds
    values = {
        "data": memory_mb * 1024 * 1024,
        "cpu": math.ceil(seconds) + 1,
        "nproc": limits.max_processes,
        "fsize": limits.disk_mb * 1024 * 1024,
        "nofile": OPEN_FILES_LIMIT,
        "core": 0,
    }
    return ["prlimit", *(f"--{name}={value}:{value}" for name, value in values.items()), "--"]


@dataclass(frozen=True)
class PipeFds:
    """Write ends the supervisor inherits: progress lines, compiler output, the program's stderr.
    The sandbox tool's own stderr stays separate: it is only shown when the sandbox fails."""

    status: int
    compile: int
    stderr: int


def supervisor_script(language: Language, limits: RunLimits, fds: PipeFds, copy_from: str | None = None,
                      env: dict[str, str] | None = None) -> str:
    """The bash text run inside the sandbox, in the work directory. `env`: reset the
    environment to exactly this before each step (for sandbox tools that add variables)."""
    q = shlex.join
    status_fd, compile_fd, err_fd = fds.status, fds.compile, fds.stderr
    reset = ["env", "-i", *(f"{k}={v}" for k, v in env.items())] if env is not None else []
    lines = [f"exec 2>&{err_fd} {err_fd}>&-"]
    if copy_from is not None:
        lines.append(f"cp -R {shlex.quote(copy_from)}/. . || exit 125")
    if language.compile is not None:
        compile_cmd = q([*reset, *prlimit_argv(limits, compile_step=True), *language.compile])
        lines += [
            f"printf 'compile\\n' >&{status_fd}",
            f"{compile_cmd} </dev/null >&{compile_fd} 2>&{compile_fd} {status_fd}>&- {compile_fd}>&-",
            "c=$?",
            f"printf 'compiled %s\\n' \"$c\" >&{status_fd}",
            '[ "$c" -eq 0 ] || exit 0',
        ]
    lines += [
        f"printf 'run\\n' >&{status_fd}",
        f"exec {status_fd}>&- {compile_fd}>&-",
        f"exec {q([*reset, *prlimit_argv(limits, compile_step=False), *language.run])}",
    ]
    return "\n".join(lines) + "\n"


def run_supervised(
    make_argv: Callable[[PipeFds], Sequence[str]],
    *,
    language: Language,
    limits: RunLimits,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    on_output: OutputCallback | None = None,
    cancel: CancelToken | None = None,
    stdin: str | None = None,
    pass_fds: Sequence[int] = (),
    user: int | None = None,
    exit_codes_carry_signals: bool = True,
) -> Outcome:
    """Start `make_argv(pipe fds)` and supervise it to the end (see module doc).
    `exit_codes_carry_signals`: the sandbox tool reports a signal death as 128+N."""
    outcome = Outcome(
        stdout=StreamCapture("stdout", limits.output_cap_bytes, on_output),
        stderr=StreamCapture("stderr", limits.output_cap_bytes, on_output),
        compile_output=StreamCapture("compile", limits.output_cap_bytes, on_output),
        sandbox_log=StreamCapture("sandbox", 16 * 1024),
    )
    status_r, status_w = os.pipe()
    compile_r, compile_w = os.pipe()
    err_r, err_w = os.pipe()
    cgroup = PidsCgroup.create(limits.max_processes)
    try:
        argv = list(make_argv(PipeFds(status_w, compile_w, err_w)))
        options = {
            "stdin": subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "env": env if env is not None else {},
            "cwd": cwd, "pass_fds": (status_w, compile_w, err_w, *pass_fds), "start_new_session": True,
            "user": user, "group": user, "extra_groups": [] if user is not None else None,
        }
        started = time.monotonic()
        # argv is built by the executor: no shell on the host
        proc = cgroup.popen(argv, **options) if cgroup is not None else subprocess.Popen(argv, **options)  # noqa: S603
    except BaseException:
        for fd in (status_r, status_w, compile_r, compile_w, err_r, err_w):
            os.close(fd)
        if cgroup is not None:
            cgroup.kill_all_and_remove()
        raise
    for fd in (status_w, compile_w, err_w):
        os.close(fd)
    if stdin is not None:
        threading.Thread(target=_feed_stdin, args=(proc, stdin), daemon=True).start()
    try:
        _supervise(proc, outcome, (status_r, compile_r, err_r), language, limits, cancel, started)
    finally:
        _kill_group(proc)
        proc.wait()
        if cgroup is not None and not cgroup.kill_all_and_remove():
            outcome.notes.append("a process of the run could not be killed")
        for fd in (status_r, compile_r, err_r):
            os.close(fd)
    for capture in (outcome.stdout, outcome.stderr, outcome.compile_output, outcome.sandbox_log):
        capture.close()
    code = proc.returncode
    if code < 0:
        outcome.signal = -code
    elif exit_codes_carry_signals and outcome.reached_run and 128 < code < 128 + 65:
        outcome.signal = code - 128
    outcome.exit_code = code
    return outcome


def _feed_stdin(proc: subprocess.Popen, text: str) -> None:
    try:
        proc.stdin.write(text.encode("utf-8", "surrogateescape"))
        proc.stdin.close()
    except OSError:
        pass


def _supervise(proc: subprocess.Popen, outcome: Outcome, pipes: tuple[int, int, int],
               language: Language, limits: RunLimits, cancel: CancelToken | None,
               started: float) -> None:
    status_r, compile_r, err_r = pipes
    selector = selectors.DefaultSelector()
    sinks = {
        proc.stdout.fileno(): outcome.stdout.feed,
        proc.stderr.fileno(): outcome.sandbox_log.feed,
        err_r: outcome.stderr.feed,
        compile_r: outcome.compile_output.feed,
    }
    status_buffer = bytearray()

    def on_status(data: bytes) -> None:
        status_buffer.extend(data)
        while b"\n" in status_buffer:
            line, _, rest = bytes(status_buffer).partition(b"\n")
            status_buffer[:] = rest
            _status_line(line.decode("ascii", "replace"), outcome, stage_times)

    sinks[status_r] = on_status
    for fd in sinks:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    stage_times = {"started": started}
    exited_at: float | None = None
    try:
        while selector.get_map():
            now = time.monotonic()
            deadline = _deadline(outcome, stage_times, language, limits)
            if cancel is not None and cancel.cancelled and not outcome.cancelled:
                outcome.cancelled = True
                _kill_group(proc)
            if deadline is not None and now > deadline and outcome.timed_out is None and exited_at is None:
                outcome.timed_out = "run" if outcome.reached_run else "compile"
                _kill_group(proc)
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_AFTER_EXIT_SECONDS:
                outcome.notes.append("output pipes were still open after the program exited: closed")
                break
            for key, _ in selector.select(timeout=0.05):
                try:
                    data = os.read(key.fd, 65536)
                except BlockingIOError:
                    continue
                if data:
                    sinks[key.fd](data)
                else:
                    selector.unregister(key.fd)
    finally:
        selector.close()
        end = time.monotonic()
        if "run" in stage_times:
            outcome.run_seconds = end - stage_times["run"]
            outcome.compile_seconds = stage_times.get("compiled", stage_times["run"]) - stage_times.get(
                "compile", stage_times["run"])
        elif "compile" in stage_times:
            outcome.compile_seconds = stage_times.get("compiled", end) - stage_times["compile"]


def _status_line(line: str, outcome: Outcome, stage_times: dict[str, float]) -> None:
    now = time.monotonic()
    word, _, arg = line.partition(" ")
    if word == "compile":
        stage_times["compile"] = now
    elif word == "compiled":
        stage_times["compiled"] = now
        outcome.compile_exit = int(arg) if arg.isdigit() else None
    elif word == "run":
        stage_times["run"] = now
        outcome.reached_run = True


def _deadline(outcome: Outcome, stage_times: dict[str, float], language: Language,
              limits: RunLimits) -> float | None:
    if outcome.reached_run:
        return stage_times["run"] + limits.timeout_seconds
    if language.is_compiled:
        return stage_times.get("compile", stage_times["started"]) + limits.compile_timeout_seconds
    return stage_times["started"] + limits.timeout_seconds + 5.0  # the sandbox's own start-up


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def stage_files(directory: str, files: Mapping[str, str | bytes]) -> None:
    """Write the program's files under `directory`; names must be plain relative paths."""
    for name, content in files.items():
        parts = PurePosixPath(name).parts
        if not parts or PurePosixPath(name).is_absolute() or ".." in parts:
            raise ValueError(f"file name {name!r} is not a plain relative path")
        path = os.path.join(directory, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)


@contextlib.contextmanager
def private_temp_dir(prefix: str) -> Iterator[str]:
    """A host temp dir removed with remove_tree: the program may leave links and locked dirs in it.
    (TemporaryDirectory's cleanup chmods through symlinks on PermissionError, CVE-2023-6597.)"""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        remove_tree(path)


def remove_tree(path: str) -> None:
    """Delete `path` and everything in it without following a symlink, even to fix permissions:
    a directory the program locked (mode 0) is opened O_PATH|O_NOFOLLOW|O_DIRECTORY and chmod-ed
    through its fd."""

    def unlock(_func: object, failed: str, _exc: object) -> None:
        for directory in {os.path.dirname(failed), failed} - {os.path.dirname(path)}:
            try:
                fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
            except OSError:
                continue
            with contextlib.suppress(OSError):  # the fd's /proc link names the dir itself, no further links
                os.chmod(f"/proc/self/fd/{fd}", 0o700)
            os.close(fd)
        try:
            if stat.S_ISDIR(os.lstat(failed).st_mode):
                shutil.rmtree(failed, ignore_errors=True)  # once: what still resists is left
            else:
                os.unlink(failed)
        except OSError:
            pass

    shutil.rmtree(path, onerror=unlock)


def judge(outcome: Outcome, limits: RunLimits, *, sandbox: str, isolated: bool,
          command: list[str], setup_error_hint: str = "") -> RunResult:
    """Turn an Outcome into the RunResult every executor returns."""
    result = RunResult(
        status=RunStatus.OK, exit_code=outcome.exit_code,
        stdout=outcome.stdout.text(), stderr=outcome.stderr.text(),
        compile_output=outcome.compile_output.text(),
        output_truncated=any(c.truncated for c in (outcome.stdout, outcome.stderr, outcome.compile_output)),
        compile_seconds=round(outcome.compile_seconds, 4), run_seconds=round(outcome.run_seconds, 4),
        sandbox=sandbox, isolated=isolated, command=command,
    )
    result.status, detail = _verdict(outcome, limits, result, setup_error_hint)
    if not outcome.reached_run and result.status != RunStatus.SANDBOX_ERROR:
        result.exit_code = None
    details = [d for d in (detail, *outcome.notes) if d]
    result.detail = "; ".join(details)
    return result


def _verdict(outcome: Outcome, limits: RunLimits, result: RunResult, hint: str) -> tuple[RunStatus, str]:
    if outcome.cancelled:
        return RunStatus.KILLED, "cancelled"
    if outcome.timed_out == "compile":
        return RunStatus.TIMEOUT, f"the compile step passed its limit of {limits.compile_timeout_seconds:g} s"
    if outcome.timed_out == "run":
        return RunStatus.TIMEOUT, f"killed at the wall-clock limit of {limits.timeout_seconds:g} s"
    if outcome.compile_exit not in (None, 0):
        return RunStatus.COMPILE_ERROR, f"the compiler exited with code {outcome.compile_exit}"
    if not outcome.reached_run:
        log = (outcome.sandbox_log.text() + result.stderr).strip().splitlines()
        message = (log or [f"exit code {outcome.exit_code}"])[-1]
        return RunStatus.SANDBOX_ERROR, f"the sandbox failed to start the program: {message}{hint}"
    sig = outcome.signal
    if sig == signal.SIGXCPU:
        return RunStatus.TIMEOUT, f"CPU time limit of {math.ceil(limits.timeout_seconds) + 1} s reached"
    if sig == signal.SIGXFSZ:
        return RunStatus.ERROR, f"file size limit of {limits.disk_mb} MiB reached"
    if outcome.exit_code != 0 and any(m in result.stderr for m in _OOM_MARKERS):
        return RunStatus.OOM, f"memory limit of {limits.memory_mb} MiB reached"
    if sig == signal.SIGKILL:
        return RunStatus.KILLED, "killed by SIGKILL"
    if sig is not None:
        return RunStatus.ERROR, f"killed by {_signal_name(sig)}"
    if outcome.exit_code == 0:
        return RunStatus.OK, ""
    return RunStatus.ERROR, f"exit code {outcome.exit_code}"
