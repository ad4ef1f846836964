"""`assistant bench [tasks|humaneval]`: run a benchmark suite through the real engine and report
the pass rate after each attempt; `--list` shows the tasks; `--verify` checks the suite's own
checkers (reference solutions pass, wrong ones fail) without the model."""

import argparse
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TextIO

from core.bench.humaneval import load_humaneval
from core.bench.report import FAILED_MARK, render_report, summarize, write_results
from core.bench.runner import BenchRun, TaskResult
from core.bench.tasks import BenchTask, filter_tasks, load_task_suite
from core.bench.verify import Verification, verify_python_batched, verify_tasks
from core.cli.common import add_common_options, add_sandbox_option, config_from_args
from core.cli.run_command import run_interruptibly
from core.config import Config
from core.errors import UsageError
from core.history import AttemptRecord
from core.textsafe import visible_controls

SUITES = ("tasks", "humaneval")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("suite", nargs="?", default="tasks", choices=SUITES,
                        help="tasks: the built-in suite (29 tasks, 7 languages, default); "
                             "humaneval: the 164 HumanEval problems")
    parser.add_argument("--model", metavar="PATH", help="GGUF file to use (config: model.path)")
    parser.add_argument("--max-attempts", type=int, metavar="N",
                        help="attempts per task, first try included (config: max_debug_attempts)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="J",
                        help="tasks run at once: one model generates at a time, sandbox runs overlap")
    parser.add_argument("--lang", dest="langs", action="append", metavar="LANG",
                        help="only tasks in this language (repeat for several)")
    parser.add_argument("--task", dest="task_ids", action="append", metavar="ID",
                        help="only this task id (repeat for several)")
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N tasks (after filters)")
    parser.add_argument("--list", action="store_true", help="print the tasks (id, language, title) and exit")
    parser.add_argument("--verify", action="store_true",
                        help="check the suite's checkers instead: every reference solution must pass "
                             "and every wrong one fail (no model)")
    parser.add_argument("--output", metavar="DIR", help="where the bench folder goes (config: output_dir)")
    add_sandbox_option(parser)
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    for flag, value in (("--jobs", args.jobs), ("--limit", args.limit), ("--max-attempts", args.max_attempts)):
        if value is not None and value < 1:
            raise UsageError(f"{flag} must be 1 or more, got {value}")
    tasks = filter_tasks(load_suite(args.suite), args.langs, args.task_ids, args.limit)
    if args.list:
        width = max(len(task.id) for task in tasks)
        for task in tasks:
            print(f"{task.id:<{width}}  {task.language.name:<10}  {task.title}")
        return 0
    config = config_from_args(args)
    if args.verify:
        return verify(args.suite, tasks, config, sys.stdout)
    return run_benchmark(args.suite, tasks, config, args.jobs, sys.stderr)


def load_suite(name: str) -> list[BenchTask]:
    return load_humaneval() if name == "humaneval" else load_task_suite()


def verify(suite: str, tasks: list[BenchTask], config: Config, out: TextIO) -> int:
    """Run every reference and wrong solution; exit 0 only when all behave as expected."""
    from core.sandbox.factory import open_sandbox

    sandbox = open_sandbox(config)
    limits = config.limits.to_run_limits()
    started = time.perf_counter()

    def show(result: Verification) -> None:
        if not result.as_expected:
            expected = "pass" if result.solution == "reference" else "fail"
            print(f"UNEXPECTED {result.task_id}: the {result.solution} solution should {expected}: "
                  f"{visible_controls(result.verdict)}", file=out, flush=True)

    try:
        if suite == "humaneval":
            results = verify_python_batched(sandbox, tasks, limits, on_result=show)
        else:
            results = verify_tasks(sandbox, tasks, limits, on_result=show)
    finally:
        sandbox.close()
    references = [r for r in results if r.solution == "reference"]
    wrongs = [r for r in results if r.solution == "wrong"]
    print(f"{suite}: reference solutions passing {sum(r.passed for r in references)}/{len(references)}, "
          f"wrong solutions failing {sum(not r.passed for r in wrongs)}/{len(wrongs)} "
          f"({time.perf_counter() - started:.1f}s, sandbox {sandbox.kind})", file=out)
    return 0 if all(r.as_expected for r in results) else 1


def run_benchmark(suite: str, tasks: list[BenchTask], config: Config, jobs: int, err: TextIO) -> int:
    from core.llm.factory import open_model
    from core.sandbox.factory import open_sandbox

    started_at = datetime.now().astimezone()
    run_dir = Path(config.output_dir) / f"bench_{suite}_{started_at:%Y%m%d_%H%M%S}"
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = run_dir.with_name(f"bench_{suite}_{started_at:%Y%m%d_%H%M%S}_{suffix}")
    progress = BenchProgress(err, len(tasks), config.max_debug_attempts)
    sandbox = open_sandbox(config)
    try:
        progress.line(f"{suite}: {len(tasks)} task(s), sandbox {sandbox.kind}; loading the model")
        model = open_model(config)
        try:
            bench = BenchRun(tasks, config, model, sandbox, run_dir, jobs,
                             on_attempt=progress.attempt, on_task_done=progress.task_done)
            clock = time.perf_counter()
            results, interrupted = run_interruptibly(bench.run, bench.cancel)
            wall = time.perf_counter() - clock
            info = model.info()
        finally:
            model.close()
    finally:
        sandbox.close()
    summary = summarize(results, suite=suite, model=f"{info.name}{' (demo)' if info.is_demo else ''}",
                        sandbox=sandbox.kind, max_attempts=config.max_debug_attempts, jobs=jobs,
                        started_at=started_at.isoformat(timespec="seconds"), wall_seconds=wall)
    json_path, report_path = write_results(run_dir, summary, results)
    progress.finish()
    print(render_report(summary, results), end="")
    print(f"\nresults: {json_path}\nreport: {report_path}\nsessions: {run_dir / 'sessions'}")
    if interrupted:
        print("interrupted: the tasks not finished are counted as cancelled", file=err)
        return 130
    return 0


class BenchProgress:
    """A progress bar on stderr (redrawn in place on a terminal, a line per task otherwise)."""

    WIDTH = 24

    def __init__(self, stream: TextIO, total: int, max_attempts: int) -> None:
        self.stream = stream
        self.total = total
        self.max_attempts = max_attempts
        self.tty = stream.isatty()
        self.done = 0
        self.passed = 0
        self.started = time.perf_counter()
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._write(text + "\n")

    def attempt(self, task: BenchTask, record: AttemptRecord) -> None:
        if self.tty:
            with self._lock:
                self._draw(f"{task.id} attempt {record.number}/{self.max_attempts}: {record.status}")

    def task_done(self, result: TaskResult) -> None:
        with self._lock:
            self.done += 1
            self.passed += result.passed
            mark = f"passed at attempt {result.first_pass_attempt}" if result.passed else f"{FAILED_MARK} {result.reason}"
            text = f"{result.task_id}: {mark} ({result.seconds:.1f}s, {result.completion_tokens} tokens)"
            if self.tty:
                self._write("\r\x1b[2K" + visible_controls(text) + "\n")
                self._draw("")
            else:
                self._write(f"[{self.done}/{self.total}] {visible_controls(text)}\n")

    def finish(self) -> None:
        if self.tty:
            with self._lock:
                self._write("\r\x1b[2K")

    def _draw(self, detail: str) -> None:
        filled = int(self.WIDTH * self.done / self.total) if self.total else self.WIDTH
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        elapsed = time.perf_counter() - self.started
        text = f"{bar} {self.done}/{self.total} passed {self.passed}  {elapsed:.0f}s  {visible_controls(detail)}"
        self._write("\r\x1b[2K" + text[:200])

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
