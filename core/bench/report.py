"""Benchmark results as JSON and as a plain-text report: a table (per task the attempt at which
it first passed, or ✗, tokens, time) and a summary with the self-debugging curve — the pass
rate after attempt 1, 2, …, N — and the median time and tokens per task."""

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.bench.runner import TaskResult
from core.history import write_files_atomic

SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
REPORT_FILE = "report.txt"
FAILED_MARK = "✗"


@dataclass
class BenchSummary:
    suite: str
    model: str
    sandbox: str
    max_attempts: int
    jobs: int
    started_at: str
    wall_seconds: float
    tasks: int
    passed: int
    curve: list[dict] = field(default_factory=list)   # [{attempt, passed, rate}]
    median_seconds: float | None = None
    median_tokens: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def pass_curve(results: Sequence[TaskResult], max_attempts: int) -> list[dict]:
    """For k = 1 … max_attempts: how many tasks had passed by attempt k, and the rate."""
    total = len(results)
    curve = []
    for k in range(1, max_attempts + 1):
        passed = sum(1 for r in results if r.first_pass_attempt is not None and r.first_pass_attempt <= k)
        curve.append({"attempt": k, "passed": passed, "rate": round(passed / total, 4) if total else 0.0})
    return curve


def summarize(results: Sequence[TaskResult], *, suite: str, model: str, sandbox: str, max_attempts: int,
              jobs: int, started_at: str, wall_seconds: float) -> BenchSummary:
    return BenchSummary(
        suite=suite, model=model, sandbox=sandbox, max_attempts=max_attempts, jobs=jobs,
        started_at=started_at, wall_seconds=round(wall_seconds, 2), tasks=len(results),
        passed=sum(1 for r in results if r.passed), curve=pass_curve(results, max_attempts),
        median_seconds=_median([r.seconds for r in results]),
        median_tokens=_median([r.completion_tokens for r in results]),
    )


def results_json(summary: BenchSummary, results: Sequence[TaskResult]) -> str:
    return json.dumps({"schema_version": SCHEMA_VERSION, "summary": summary.to_dict(),
                       "tasks": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False) + "\n"


def render_report(summary: BenchSummary, results: Sequence[TaskResult]) -> str:
    """The plain-text report: header, one row per task, then the curve and the medians."""
    id_width = max([len("task"), *(len(r.task_id) for r in results)])
    lines = [
        f"benchmark: {summary.suite}  model: {summary.model}  sandbox: {summary.sandbox}",
        f"started {summary.started_at}, max attempts {summary.max_attempts}, jobs {summary.jobs}, "
        f"wall time {_duration(summary.wall_seconds)}",
        "",
        f"{'task':<{id_width}}  {'language':<10}  {'passed at':>9}  {'attempts':>8}  {'tokens':>7}  {'time':>8}",
    ]
    for r in results:
        mark = str(r.first_pass_attempt) if r.first_pass_attempt is not None else FAILED_MARK
        lines.append(f"{r.task_id:<{id_width}}  {r.language:<10}  {mark:>9}  {r.attempts:>8}  "
                     f"{r.completion_tokens:>7}  {r.seconds:>7.1f}s" + _note(r))
    lines += ["", f"passed: {summary.passed}/{summary.tasks}", "pass rate after attempt k (self-debugging curve):"]
    for point in summary.curve:
        lines.append(f"  k={point['attempt']:<3} {point['passed']:>4}/{summary.tasks:<4} {point['rate'] * 100:5.1f}%")
    lines.append(f"median time per task: {_fmt(summary.median_seconds, 's')}   "
                 f"median tokens per task: {_fmt(summary.median_tokens, '')}")
    return "\n".join(lines) + "\n"


def write_results(run_dir: Path, summary: BenchSummary, results: Sequence[TaskResult]) -> tuple[Path, Path]:
    """results.json and report.txt in `run_dir`, each written atomically."""
    json_path, report_path = run_dir / RESULTS_FILE, run_dir / REPORT_FILE
    write_files_atomic([(json_path, results_json(summary, results)),
                        (report_path, render_report(summary, results))])
    return json_path, report_path


def _note(result: TaskResult) -> str:
    if result.reason in ("passed", "attempts_exhausted"):
        return ""
    return f"  ({result.reason})"


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _fmt(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:g}{unit}"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"

