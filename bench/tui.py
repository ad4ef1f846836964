"""TUI responsiveness: time to first frame, and event-loop lag while a session streams.

A scripted model streams 2,000 tokens/s (reasoning, then an answer holding the program) through
the real engine into the app, and the program it wrote prints 10,000 lines in the sandbox
(Docker when available, else whatever `auto` picks). A probe task on the app's event loop asks
to wake every 10 ms and records how late it woke: that lateness is what a keypress would wait.
At the end every pane is compared with what was sent: no text may be missing.

Run: .venv/bin/python bench/tui.py [--sandbox docker|bwrap|subprocess] [--size 160x48]
Targets: first frame < 1 s, lag p99 < 50 ms, no dropped text.
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

STARTED = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.config import Config  # noqa: E402
from core.sandbox.factory import open_sandbox  # noqa: E402
from tests.tui.scripted_model import Script, ScriptedModel, fenced  # noqa: E402
from tui.app import AssistantApp  # noqa: E402
from tui.widgets.code_view import CodeView  # noqa: E402
from tui.widgets.output_log import OutputLog  # noqa: E402
from tui.widgets.reasoning_view import ReasoningView  # noqa: E402
from tui.widgets.task_prompt import TaskPrompt  # noqa: E402

TOKENS_PER_SECOND = 2000
REASONING_TOKENS = 4000
LINES = 10_000
PROGRAM = f"for i in range({LINES}):\n    print(f'line {{i:05d}} of the benchmark output')\n"
PROBE_INTERVAL_S = 0.010


class TimedApp(AssistantApp):
    first_frame_s: float | None = None

    def on_ready(self) -> None:
        self.first_frame_s = time.perf_counter() - STARTED
        super().on_ready()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def probe(lags: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(PROBE_INTERVAL_S)
        lags.append(max(0.0, loop.time() - before - PROBE_INTERVAL_S))


async def main(sandbox_kind: str | None, size: tuple[int, int]) -> int:
    reasoning = "".join(f"w{n:03d} " for n in range(REASONING_TOKENS))  # 5 chars ≈ one token
    answer = fenced(PROGRAM)
    model = ScriptedModel([Script(answer, reasoning)], chunk=5, deltas_per_second=TOKENS_PER_SECOND)
    with TemporaryDirectory() as output:
        config = Config(output_dir=output, max_debug_attempts=1)
        app = TimedApp(config, model_opener=lambda c, p: model,
                       sandbox_opener=lambda c: open_sandbox(c, sandbox_kind))
        lags: list[float] = []
        async with app.run_test(size=size) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.failures:
                print(f"cannot run: {app.failures}")
                return 1
            stop = asyncio.Event()
            probing = asyncio.create_task(probe(lags, stop))
            app.query_one(TaskPrompt).task_text = "print 10,000 numbered lines"
            began = time.perf_counter()
            app.action_run_task()
            while app.engine_busy:
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - began
            stop.set()
            await probing
            app.flush_panes()
            await pilot.pause()
            record = app.attempts[1].record
            shown_output = [text for kind, text in app.query_one(OutputLog).lines if kind == "stdout"]
            expected_output = [f"line {i:05d} of the benchmark output" for i in range(LINES)]
            checks = {
                "reasoning": app.query_one(ReasoningView).text == reasoning,
                "code": app.query_one(CodeView).text.rstrip("\n") == PROGRAM.rstrip("\n"),
                "output": shown_output == expected_output,
                "record": record is not None and record.status == "ok",
            }
            sandbox = app.sandbox.kind if app.sandbox else "?"
    ms = [lag * 1000 for lag in lags]
    print(f"sandbox: {sandbox}   terminal: {size[0]}x{size[1]} (headless)")
    print(f"time to first frame:        {app.first_frame_s:.3f} s (from interpreter start of this script, "
          "imports included)")
    print(f"session (2 s of tokens + 10,000-line run): {elapsed:.2f} s, "
          f"{-(-len(reasoning) // 5) - (-len(answer) // 5)} deltas at {TOKENS_PER_SECOND}/s")
    print(f"event-loop lag: p50 {statistics.median(ms):.1f} ms   p99 {percentile(ms, 0.99):.1f} ms   "
          f"max {max(ms):.1f} ms   ({len(ms)} samples)")
    print("no dropped text: " + ("yes" if all(checks.values()) else
                                 "NO — " + ", ".join(k for k, ok in checks.items() if not ok)))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default=None, help="sandbox kind (default: config's auto)")
    parser.add_argument("--size", default="160x48", help="terminal size COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(v) for v in args.size.split("x"))
    sys.exit(asyncio.run(main(args.sandbox, (cols, rows))))
