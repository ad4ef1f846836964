"""Wall time of a Python hello-world through each way of running it, measured side by side.

    .venv/bin/python bench/sandbox.py [--runs N]

Each row is a name and a context manager that sets the way up and yields a callable running the
hello-world once (raising if the output is wrong); rows whose setup raises `Unavailable` are
listed as skipped. Rows are interleaved run by run so that load on the machine hits all alike.
Targets compare two rows' medians. Add a row: write its context manager, append it to ROWS.
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import DockerConfig  # noqa: E402
from core.languages import resolve_language  # noqa: E402
from core.sandbox import bwrap, firejail  # noqa: E402
from core.sandbox.base import RunLimits, RunStatus, Sandbox  # noqa: E402
from core.sandbox.docker import DockerSandbox, unavailable_reason  # noqa: E402
from core.sandbox.docker_container import (  # noqa: E402
    SANDBOX_UID,
    SHM_MB,
    TMP_MB,
    ContainerShape,
    seccomp_profile,
)

LIMITS = RunLimits(timeout_seconds=10)
HELLO = "print('hello')"
EXPECTED = "hello\n"


class Unavailable(Exception):
    """This row cannot run on this machine (the reason is printed)."""


def check_output(out: str | bytes) -> None:
    text = out.decode() if isinstance(out, bytes) else out
    if text != EXPECTED:
        raise RuntimeError(f"unexpected output {text!r}")


def docker_image() -> str:
    config = DockerConfig()
    reason = unavailable_reason(config)
    if reason is not None:
        raise Unavailable(reason)
    return config.image


def hardening_flags(seccomp_file: str) -> list[str]:
    """The same hardening the warm pool uses, as docker CLI flags."""
    shape = ContainerShape.from_limits(LIMITS)
    return [
        "--network", "none", "--read-only", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges:true", "--security-opt", f"seccomp={seccomp_file}",
        "--memory", f"{shape.memory_mb}m", "--memory-swap", f"{shape.memory_mb}m",
        "--cpus", str(shape.cpus), "--pids-limit", str(shape.max_processes + 2), "--init",
        "--ipc", "private", "--log-driver", "none", "--user", f"{SANDBOX_UID}:{SANDBOX_UID}",
        "--tmpfs", f"/work:rw,exec,nosuid,nodev,size={shape.disk_mb}m,uid={SANDBOX_UID},gid={SANDBOX_UID}",
        "--tmpfs", f"/tmp:rw,noexec,nosuid,nodev,size={TMP_MB}m", "--shm-size", f"{SHM_MB}m",
    ]


@contextlib.contextmanager
def seccomp_file() -> Iterator[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        f.write(seccomp_profile())
        f.flush()
        yield f.name


def through_api(sandbox: Sandbox) -> Callable[[], None]:
    python = resolve_language("python")

    def once() -> None:
        result = sandbox.run({"main.py": HELLO}, python, LIMITS)
        if result.status is not RunStatus.OK:
            raise RuntimeError(result.detail or result.stderr)
        check_output(result.stdout)

    return once


@contextlib.contextmanager
def docker_warm_pool() -> Iterator[Callable[[], None]]:
    docker_image()
    sandbox = DockerSandbox(DockerConfig())
    sandbox.warm_up(LIMITS)
    try:
        yield through_api(sandbox)
    finally:
        sandbox.close()


@contextlib.contextmanager
def raw_docker_exec() -> Iterator[Callable[[], None]]:
    image = docker_image()
    with seccomp_file() as profile:
        cid = subprocess.run(["docker", "run", "-d", "--rm", *hardening_flags(profile), image,
                              "sleep", "infinity"], check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield lambda: check_output(subprocess.run(
            ["docker", "exec", "-i", "-w", "/work", cid, "python3", "-B", "-c", HELLO],
            check=True, capture_output=True, stdin=subprocess.DEVNULL).stdout)
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)


@contextlib.contextmanager
def cold_docker_run() -> Iterator[Callable[[], None]]:
    image = docker_image()
    with seccomp_file() as profile:
        yield lambda: check_output(subprocess.run(
            ["docker", "run", "--rm", "-i", *hardening_flags(profile), "-w", "/work", image,
             "python3", "-B", "-c", HELLO], check=True, capture_output=True, stdin=subprocess.DEVNULL).stdout)


def host_sandbox(unavailable_reason: Callable[[], str | None]) -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise Unavailable(reason)


@contextlib.contextmanager
def bwrap_executor() -> Iterator[Callable[[], None]]:
    host_sandbox(bwrap.unavailable_reason)
    sandbox = bwrap.BwrapSandbox()
    try:
        yield through_api(sandbox)
    finally:
        sandbox.close()


@contextlib.contextmanager
def firejail_executor() -> Iterator[Callable[[], None]]:
    host_sandbox(firejail.unavailable_reason)
    sandbox = firejail.FirejailSandbox()
    try:
        yield through_api(sandbox)
    finally:
        sandbox.close()


def raw_host_tool(argv_for: Callable[[str], list[str]], cwd_is_workdir: bool) -> Callable[[], None]:
    """The tool run by hand: a fresh directory holding main.py, the tool's argv, the output."""
    def once() -> None:
        with tempfile.TemporaryDirectory() as workdir:
            Path(workdir, "main.py").write_text(HELLO + "\n")
            check_output(subprocess.run(
                argv_for(workdir), check=True, capture_output=True, stdin=subprocess.DEVNULL,
                env={"PATH": "/usr/bin:/bin"}, cwd=workdir if cwd_is_workdir else None,
                start_new_session=True).stdout)

    return once


@contextlib.contextmanager
def raw_bwrap() -> Iterator[Callable[[], None]]:
    """`bwrap` with the executor's isolation and filesystem flags, the program read in place."""
    host_sandbox(bwrap.unavailable_reason)

    def argv(workdir: str) -> list[str]:
        return ["bwrap", *bwrap.namespace_args(),
                *bwrap.filesystem_args(LIMITS.disk_mb << 20, extra=["--ro-bind", workdir, bwrap.SOURCE_DIR]),
                "--setenv", "PATH", "/usr/bin:/bin", "--", "python3", "-B", f"{bwrap.SOURCE_DIR}/main.py"]

    yield raw_host_tool(argv, cwd_is_workdir=False)


@contextlib.contextmanager
def raw_firejail() -> Iterator[Callable[[], None]]:
    """`firejail` with the executor's flags and profile, the program read in place."""
    host_sandbox(firejail.unavailable_reason)

    def argv(workdir: str) -> list[str]:
        return ["firejail", *firejail.isolation_args(workdir, LIMITS), "--", "python3", "-B", "main.py"]

    yield raw_host_tool(argv, cwd_is_workdir=True)


ROWS: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Callable[[], None]]]]] = [
    ("docker warm pool (API)", docker_warm_pool),
    ("docker exec (raw)", raw_docker_exec),
    ("docker run (cold)", cold_docker_run),
    ("bwrap executor (API)", bwrap_executor),
    ("bwrap (raw, same flags)", raw_bwrap),
    ("firejail executor (API)", firejail_executor),
    ("firejail (raw, same flags)", raw_firejail),
]

# (row, compared with row, the most the ratio of their medians may be)
TARGETS: list[tuple[str, str, float]] = [
    ("docker warm pool (API)", "docker exec (raw)", 1.3),
    ("docker warm pool (API)", "docker run (cold)", 0.5),
    ("bwrap executor (API)", "bwrap (raw, same flags)", 1.5),
    ("firejail executor (API)", "firejail (raw, same flags)", 1.5),
]


def time_once(run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(runs: int, warmup: int = 2) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Times every available row `runs` times, interleaved; returns (timings, skipped reasons)."""
    timings: dict[str, list[float]] = {}
    skipped: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        ready: dict[str, Callable[[], None]] = {}
        for name, open_row in ROWS:
            try:
                ready[name] = stack.enter_context(open_row())
            except Unavailable as exc:
                skipped[name] = str(exc)
        for run in ready.values():
            for _ in range(warmup):
                run()
        for name in ready:
            timings[name] = []
        for _ in range(runs):
            for name, run in ready.items():
                timings[name].append(time_once(run))
    return timings, skipped


def report(timings: dict[str, list[float]], skipped: dict[str, str], runs: int) -> bool:
    print(f"Python hello-world, {runs} runs each, interleaved (ms), {os.cpu_count()} CPUs")
    print(f"{'way':<28} {'median':>9} {'p95':>9}")
    for name, values in timings.items():
        print(f"{name:<28} {statistics.median(values) * 1000:9.1f} {p95(values) * 1000:9.1f}")
    for name, reason in skipped.items():
        print(f"{name:<28} skipped: {reason}")
    all_met = True
    print("\ntargets (ratio of medians)")
    for row, other, most in TARGETS:
        if row not in timings or other not in timings:
            print(f"  {row} / {other}: not measured")
            continue
        ratio = statistics.median(timings[row]) / statistics.median(timings[other])
        met = ratio <= most
        all_met = all_met and met
        print(f"  {row} / {other} = {ratio:.2f} (target <= {most}) {'met' if met else 'MISSED'}")
    return all_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each row (default 30)")
    args = parser.parse_args()
    timings, skipped = measure(args.runs)
    return 0 if report(timings, skipped, args.runs) else 1


if __name__ == "__main__":
    sys.exit(main())
