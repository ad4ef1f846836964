"""Check a solution against a task's hidden checker without the model: the engine's own judging
(core.judge.judge_program). Used to prove that every checker accepts the reference solution and
rejects the wrong one (`assistant bench --verify`, and the project's tests)."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from core.bench.tasks import BenchTask
from core.extract import language_for_code
from core.judge import TEST_RUNNER_FILE, Judgement, build_test_run, judge_program
from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunResult, RunStatus, Sandbox


@dataclass(frozen=True)
class Verification:
    task_id: str
    solution: str        # "reference" or "wrong"
    passed: bool
    verdict: str

    @property
    def as_expected(self) -> bool:
        return self.passed == (self.solution == "reference")


def task_limits(task: BenchTask, limits: RunLimits) -> RunLimits:
    """The run limits for a task: the task's own time limit when it sets one."""
    return replace(limits, timeout_seconds=task.timeout_seconds) if task.timeout_seconds else limits


def check_solution(sandbox: Sandbox, task: BenchTask, code: str, limits: RunLimits) -> Judgement:
    """Run `code` for `task` and judge it as the engine does (core.judge.judge_program): the run,
    then the expected output, then the tests."""
    limits = task_limits(task, limits)
    language = language_for_code(task.language, code)

    def run_tests() -> RunResult:
        files, test_language = build_test_run(language, language.source_file, code, task.tests or "", task.test_name)
        return sandbox.run(files, test_language, limits)

    result = sandbox.run({language.source_file: code}, language, limits)
    return judge_program(result, limits, task.expect_output, task.whitespace,
                         run_tests if task.tests is not None else None)


def verify_tasks(sandbox: Sandbox, tasks: Sequence[BenchTask], limits: RunLimits,
                 on_result: Callable[[Verification], None] | None = None) -> list[Verification]:
    """Each task's reference and wrong solutions, one sandbox run (or two) each."""
    results = []
    for task in tasks:
        for solution in ("reference", "wrong"):
            judgement = check_solution(sandbox, task, getattr(task, solution), limits)
            result = Verification(task.id, solution, judgement.passed, judgement.verdict)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results


# --- batches: many Python test-checked tasks in one sandbox run --------------------------------

BATCH_DRIVER = "_bench_batch.py"
VERDICT_PREFIX = "BENCH-VERDICT "

# Each task has its own folder and its own processes: its program first, then its tests, as
# the engine judges them; one task's crash, hang or exit cannot change another's verdict.
_DRIVER = '''\
import json, subprocess, sys

CASES = json.loads(@CASES@)
TIMEOUT = @TIMEOUT@

def run(argv, folder):
    try:
        done = subprocess.run(argv, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, f"timed out after {TIMEOUT} s"
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    return done.returncode == 0, (lines[-1][:200] if lines else f"exit code {done.returncode}")

for folder, task_id in CASES:
    ok, why = run([sys.executable, "-B", "main.py"], folder)
    if ok:
        ok, why = run([sys.executable, "-B", "@RUNNER@"], folder)
    print("@PREFIX@" + json.dumps([task_id, ok, why]), flush=True)
'''


def check_python_batch(sandbox: Sandbox, cases: Sequence[tuple[BenchTask, str]], limits: RunLimits,
                       per_task_timeout: float = 10.0) -> dict[str, Judgement]:
    """Judge many (task, code) pairs of Python test-checked tasks in one sandbox run. A task
    whose verdict line is missing (the whole run was cut short) is judged failed."""
    python = resolve_language("python")
    files: dict[str, str] = {}
    folders = []
    for index, (task, code) in enumerate(cases):
        folder = f"t{index:03d}"
        task_files, _ = build_test_run(python, "main.py", code, task.tests or "", task.test_name)
        files.update({f"{folder}/{name}": content for name, content in task_files.items()})
        folders.append((folder, task.id))
    files[BATCH_DRIVER] = (_DRIVER.replace("@CASES@", repr(json.dumps(folders)))
                           .replace("@TIMEOUT@", repr(per_task_timeout))
                           .replace("@RUNNER@", TEST_RUNNER_FILE).replace("@PREFIX@", VERDICT_PREFIX))
    driver = replace(python, source_file=BATCH_DRIVER, run=("python3", "-B", BATCH_DRIVER))
    batch_limits = replace(limits, timeout_seconds=max(limits.timeout_seconds,
                                                       per_task_timeout * 2 * len(cases) + 5))
    result = sandbox.run(files, driver, batch_limits)
    verdicts: dict[str, Judgement] = {}
    for line in result.stdout.splitlines():
        if line.startswith(VERDICT_PREFIX):
            task_id, ok, why = json.loads(line[len(VERDICT_PREFIX):])
            verdicts[task_id] = Judgement("ok" if ok else "tests_failed", why)
    missing = f"no verdict: the batch run ended with {result.status.value}"
    if result.status is not RunStatus.OK and result.detail:
        missing += f" ({result.detail})"
    return {task.id: verdicts.get(task.id, Judgement("sandbox_error", missing)) for task, _ in cases}


def verify_python_batched(sandbox: Sandbox, tasks: Sequence[BenchTask], limits: RunLimits,
                          batch_size: int = 41,
                          on_result: Callable[[Verification], None] | None = None) -> list[Verification]:
    """verify_tasks for Python test-checked tasks (HumanEval), `batch_size` programs per run."""
    results = []
    for solution in ("reference", "wrong"):
        for start in range(0, len(tasks), batch_size):
            chunk = tasks[start:start + batch_size]
            verdicts = check_python_batch(sandbox, [(task, getattr(task, solution)) for task in chunk], limits)
            for task in chunk:
                judgement = verdicts[task.id]
                result = Verification(task.id, solution, judgement.passed, judgement.verdict)
                results.append(result)
                if on_result is not None:
                    on_result(result)
    return results
