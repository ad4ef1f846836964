"""The benchmark runner through the real engine (a scripted model and a sandbox double stand in
for the parts under test elsewhere): checks are hidden from the model, results are counted per
attempt, and one model generates at a time however many jobs run."""

import threading
import time
from dataclasses import replace
from pathlib import Path

from core.bench.runner import BenchRun, SerializedModel
from core.bench.tasks import BenchTask
from core.cancel import CancelToken
from core.config import Config, LimitsConfig
from core.languages import resolve_language
from core.llm.base import SamplingParams
from tests.support.fake_sandbox import FakeSandbox, error, ok
from tests.support.scripted_model import Answer, ScriptedModel, fenced

EXPECTED = "secret line 1\nsecret line 2\n"


def task(task_id: str = "demo", **fields) -> BenchTask:
    base = dict(id=task_id, language=resolve_language("python"), title="Demo", prompt="Print the two lines.\n",
                expect_output=EXPECTED, reference="", wrong="")
    return BenchTask(**{**base, **fields})


def config(max_attempts: int = 3) -> Config:
    return replace(Config(), max_debug_attempts=max_attempts, limits=LimitsConfig(timeout_seconds=2.0))


def run(tasks, model, sandbox, tmp_path, jobs=1, max_attempts=3):
    return BenchRun(tasks, config(max_attempts), model, sandbox, tmp_path / "bench", jobs).run()


class RecordingSandbox:
    """Answers every run with `result` after `delay` seconds, counting runs that overlap."""

    kind = "recording"
    isolated = True

    def __init__(self, result, delay=0.0):
        self.result, self.delay = result, delay
        self.running = self.most_at_once = 0
        self.files: list[dict] = []
        self._lock = threading.Lock()

    def check(self, language):
        return None

    def run(self, files, language, limits, on_output=None, cancel=None, stdin=None):
        with self._lock:
            self.files.append(dict(files))
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        return self.result

    def close(self):
        return None


def test_the_model_never_sees_the_expected_output(tmp_path):
    model = ScriptedModel([fenced('print("nope")'), fenced('print("secret line 1")')])
    sandbox = RecordingSandbox(ok("nope\n"))
    run([task()], model, sandbox, tmp_path, max_attempts=2)
    shown = "\n".join(m.content for conversation in model.conversations for m in conversation)
    assert "secret line" not in shown
    assert "the expected output is hidden" in shown


def test_the_model_never_sees_the_hidden_tests(tmp_path):
    tests = "from main import f\n\ndef test_f():\n    assert f() == 'SECRET-42'\n"
    failing = error("", stdout="FAILED test_f (line 4: assert f() == 'SECRET-42') - AssertionError\n"
                    "0 passed, 1 failed\n")
    model = ScriptedModel([fenced("def f(): return 1"), fenced("def f(): return 2")])
    sandbox = FakeSandbox([ok(), failing, ok(), failing])
    results = run([task(expect_output=None, tests=tests)], model, sandbox, tmp_path, max_attempts=2)
    shown = "\n".join(m.content for conversation in model.conversations for m in conversation)
    assert "SECRET-42" not in shown and "def test_f" not in shown
    assert "hidden tests failed: 0 passed, 1 failed" in shown
    assert results[0].statuses == ["tests_failed", "tests_failed"]


def test_the_attempt_at_which_a_task_first_passed_is_recorded(tmp_path):
    model = ScriptedModel([fenced('print("a")'), fenced('print("b")')])
    sandbox = FakeSandbox([ok("wrong\n"), ok(EXPECTED)])
    (result,) = run([task()], model, sandbox, tmp_path)
    assert (result.passed, result.first_pass_attempt, result.attempts) == (True, 2, 2)
    assert result.statuses == ["wrong_output", "ok"]
    assert result.reason == "passed"


def test_a_task_that_never_passes_has_no_first_pass_attempt(tmp_path):
    model = ScriptedModel([fenced('print("a")')] * 2)
    (result,) = run([task()], model, RecordingSandbox(ok("wrong\n")), tmp_path, max_attempts=2)
    assert (result.passed, result.first_pass_attempt, result.reason) == (False, None, "attempts_exhausted")


def test_a_task_time_limit_replaces_the_configured_one(tmp_path):
    seen = []

    class LimitSandbox(RecordingSandbox):
        def run(self, files, language, limits, on_output=None, cancel=None, stdin=None):
            seen.append(limits.timeout_seconds)
            return ok(EXPECTED)

    run([task(timeout_seconds=0.5)], ScriptedModel([fenced("print(1)")]), LimitSandbox(None), tmp_path)
    assert seen == [0.5]


def test_every_session_folder_is_kept_under_the_bench_folder(tmp_path):
    model = ScriptedModel([fenced("print(1)"), fenced("print(2)")])
    results = run([task("one"), task("two")], model, RecordingSandbox(ok(EXPECTED)), tmp_path)
    for result in results:
        folder = Path(result.output_dir)
        assert folder.parent == tmp_path / "bench" / "sessions"
        assert (folder / "debug_history.json").is_file()


def test_jobs_overlap_sandbox_runs_but_generate_one_at_a_time(tmp_path):
    active = {"now": 0, "most": 0}
    guard = threading.Lock()

    class SlowModel(ScriptedModel):
        def stream(self, conversation, params, cancel):
            with guard:
                active["now"] += 1
                active["most"] = max(active["most"], active["now"])
            time.sleep(0.05)
            yield from super().stream(conversation, params, cancel)
            with guard:
                active["now"] -= 1

    model = SlowModel([fenced("print(1)")] * 4)
    sandbox = RecordingSandbox(ok(EXPECTED), delay=0.4)
    results = run([task(f"t{i}") for i in range(4)], model, sandbox, tmp_path, jobs=4)
    assert all(r.passed for r in results)
    assert active["most"] == 1, "two generations ran at once"
    assert sandbox.most_at_once >= 2, "sandbox runs did not overlap"


def test_serialized_model_counts_the_time_spent_waiting_for_the_lock():
    lock = threading.Lock()
    model = SerializedModel(ScriptedModel(["hi"]), lock)
    lock.acquire()
    threading.Timer(0.2, lock.release).start()
    list(model.stream([], SamplingParams(), CancelToken()))
    assert model.waited_s >= 0.15


def test_cancel_stops_the_running_session_and_the_tasks_not_started(tmp_path):
    model = ScriptedModel([Answer(fenced("print(1)"), hold_after=1), fenced("print(1)")])
    bench = BenchRun([task("a"), task("b")], config(), model, RecordingSandbox(ok(EXPECTED)),
                     tmp_path / "bench", jobs=1)
    threading.Thread(target=lambda: (model.started.wait(5), bench.cancel()), daemon=True).start()
    results = bench.run()
    assert [r.reason for r in results] == ["cancelled", "cancelled"]
    assert len(model.conversations) == 1, "the second task must not start generating"
