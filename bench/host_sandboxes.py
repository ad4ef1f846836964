"""Side-by-side wall time of a Python hello-world: the project's host executors vs. the raw tools.

    .venv/bin/python bench/host_sandboxes.py [--runs N]

Rows: BwrapSandbox vs raw `bwrap` with the same isolation flags, FirejailSandbox vs raw
`firejail` with the same flags and profile. Targets: each executor ≤ 1.5× its raw tool.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.languages import resolve_language  # noqa: E402
from core.sandbox import bwrap, firejail  # noqa: E402
from core.sandbox.base import RunLimits, RunStatus  # noqa: E402

PYTHON = resolve_language("python")
HELLO = {"main.py": "print('hello')\n"}
LIMITS = RunLimits()


def measure(run_once: Callable[[], None], runs: int) -> list[float]:
    run_once()  # warm the page cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run_once()
        times.append(time.perf_counter() - started)
    return times


def executor(sandbox) -> Callable[[], None]:
    def once() -> None:
        result = sandbox.run(HELLO, PYTHON, LIMITS)
        assert result.status == RunStatus.OK and result.stdout == "hello\n", result

    return once


def raw(argv_for: Callable[[str], list[str]], cwd_is_workdir: bool = False) -> Callable[[], None]:
    def once() -> None:
        with tempfile.TemporaryDirectory() as workdir:
            Path(workdir, "main.py").write_text(HELLO["main.py"])
            done = subprocess.run(argv_for(workdir), capture_output=True, stdin=subprocess.DEVNULL,
                                  env={"PATH": "/usr/bin:/bin"}, cwd=workdir if cwd_is_workdir else None,
                                  start_new_session=True, check=True)
            assert done.stdout == b"hello\n", done

    return once


def raw_bwrap(workdir: str) -> list[str]:
    return ["bwrap", *bwrap.namespace_args(),
            *bwrap.filesystem_args(LIMITS.disk_mb << 20, extra=["--ro-bind", workdir, bwrap.SOURCE_DIR]),
            "--setenv", "PATH", "/usr/bin:/bin", "--", "python3", "-B", f"{bwrap.SOURCE_DIR}/main.py"]


def raw_firejail(workdir: str) -> list[str]:
    return ["firejail", *firejail.isolation_args(workdir, LIMITS), "--", "python3", "-B", "main.py"]


def row(name: str, times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    median = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"{name:<34} median {median * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms")
    return median, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    print(f"{runs} runs each, python hello-world, {os.cpu_count()} CPUs")
    if bwrap.unavailable_reason() is None:
        ours = row("BwrapSandbox (project)", measure(executor(bwrap.BwrapSandbox()), runs))
        theirs = row("raw bwrap, same flags", measure(raw(raw_bwrap), runs))
        print(f"{'  ratio (target <= 1.5x)':<34} median {ours[0] / theirs[0]:.2f}x   p95 {ours[1] / theirs[1]:.2f}x")
    else:
        print(f"bwrap skipped: {bwrap.unavailable_reason()}")
    if firejail.unavailable_reason() is None:
        ours = row("FirejailSandbox (project)", measure(executor(firejail.FirejailSandbox()), runs))
        theirs = row("raw firejail, same flags", measure(raw(raw_firejail, cwd_is_workdir=True), runs))
        print(f"{'  ratio (target <= 1.5x)':<34} median {ours[0] / theirs[0]:.2f}x   p95 {ours[1] / theirs[1]:.2f}x")
    else:
        print(f"firejail skipped: {firejail.unavailable_reason()}")


if __name__ == "__main__":
    main()
