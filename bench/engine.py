"""The engine's own overhead per attempt: everything but model and sandbox time.

A scripted model streams a realistic answer (~3 KB in 4-character deltas, like tokens) and an
instant sandbox double returns a failure at once, so what remains is the engine: prompt
building and trimming, token counting, extraction, judging, events, and the atomic, fsynced
writes of the session folder. Target: under 20 ms per attempt.

    .venv/bin/python bench/engine.py [--sessions N] [--attempts N]
"""

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cli.progress import ProgressReporter  # noqa: E402
from core.config import Config  # noqa: E402
from core.engine import Session, TaskSpec  # noqa: E402
from core.languages import resolve_language  # noqa: E402
from core.sandbox.base import RunResult, RunStatus  # noqa: E402
from tests.support.scripted_model import ScriptedModel, fenced  # noqa: E402

TARGET_MS = 20.0
CODE = "\n".join(f"def step_{n}(x):\n    return x * {n} + {n}  # a line of a plausible program" for n in range(40))
TRACEBACK = ('Traceback (most recent call last):\n' + ''.join(
    f'  File "/work/main.py", line {n}, in step_{n}\n    return step_{n + 1}(x)\n' for n in range(30))
    + "RecursionError: maximum recursion depth exceeded\n")


class TimedModel(ScriptedModel):
    """Counts the time spent inside the model's own calls."""

    spent = 0.0

    def count_tokens(self, conversation):
        start = time.perf_counter()
        try:
            return super().count_tokens(conversation)
        finally:
            self.spent += time.perf_counter() - start

    def stream(self, conversation, params, cancel):
        inner = super().stream(conversation, params, cancel)
        while True:
            start = time.perf_counter()
            try:
                item = next(inner)
            except StopIteration:
                self.spent += time.perf_counter() - start
                return
            self.spent += time.perf_counter() - start
            yield item


class InstantSandbox:
    kind = "instant"
    isolated = True

    def __init__(self) -> None:
        self.spent = 0.0

    def check(self, language) -> None:
        return None

    def run(self, files, language, limits, on_output=None, cancel=None, stdin=None) -> RunResult:
        start = time.perf_counter()
        result = RunResult(RunStatus.ERROR, 1, stdout="partial output\n" * 30, stderr=TRACEBACK)
        if on_output is not None:
            on_output("stdout", result.stdout)
            on_output("stderr", result.stderr)
        self.spent += time.perf_counter() - start
        return result

    def close(self) -> None:
        return None


def one_session(root: Path, attempts: int, emit) -> tuple[float, int]:
    """(engine seconds per attempt, attempts) for one session that fails every attempt."""
    answer = "I will write the program step by step.\n\n" + fenced(CODE) + "\nThis should work.\n"
    model = TimedModel([answer] * attempts, context_size=8192, chunk=4)
    sandbox = InstantSandbox()
    config = replace(Config(), max_debug_attempts=attempts)
    spec = TaskSpec(task="compute the steps", language=resolve_language("python"))
    start = time.perf_counter()
    session = Session(spec, config, model, sandbox, emit, output_root=root)
    session.run()
    wall = time.perf_counter() - start
    return (wall - model.spent - sandbox.spent) / attempts, attempts


def measure(label: str, sessions: int, attempts: int, emit) -> list[float]:
    per_attempt = []
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        for _ in range(sessions):
            seconds, _ = one_session(Path(tmp), attempts, emit)
            per_attempt.append(seconds * 1000)
    mean, median = statistics.mean(per_attempt), statistics.median(per_attempt)
    worst = max(per_attempt)
    verdict = "OK" if median < TARGET_MS else "OVER TARGET"
    print(f"{label:<44} median {median:6.2f} ms  mean {mean:6.2f} ms  max {worst:6.2f} ms  [{verdict}]")
    return per_attempt


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--attempts", type=int, default=5)
    args = parser.parse_args()
    answer_chars = len(fenced(CODE)) + 60
    print(f"engine overhead per attempt ({args.sessions} sessions x {args.attempts} failing attempts, "
          f"answer ~{answer_chars} chars in 4-char deltas; target < {TARGET_MS:.0f} ms)")
    measure("engine alone (events to a no-op sink)", args.sessions, args.attempts, lambda event: None)
    with open("/dev/null", "w") as sink:
        reporter = ProgressReporter(sink, tty=False, max_attempts=args.attempts)
        measure("engine + CLI progress renderer (to /dev/null)", args.sessions, args.attempts, reporter.handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
