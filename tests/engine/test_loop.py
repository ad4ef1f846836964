"""The debug loop driven by a scripted model and a sandbox double: events and files on disk."""

import json
import threading

from core.sandbox.base import RunResult, RunStatus
from tests.support.fake_sandbox import error, ok
from tests.support.scripted_model import Answer, fenced

GOOD = fenced('print("hello")')
BAD = fenced('print(hello)')
TRACEBACK = ('Traceback (most recent call last):\n  File "/work/main.py", line 1, in <module>\n'
             '    print(hello)\nNameError: name \'hello\' is not defined\n')


def test_success_on_first_attempt_writes_final_code_and_history(harness):
    session = harness.session([GOOD], [ok("hello\n")])
    outcome = session.run()

    assert (outcome.success, outcome.final_attempt, outcome.reason) == (True, 1, "passed")
    assert harness.kinds() == ["SessionStarted", "AttemptStarted"] + ["ModelDelta"] * len(harness.of("ModelDelta")) + [
        "ModelFinished", "CodeReady", "RunStarted", "RunOutput", "RunFinished", "AttemptFinished",
        "SessionFinished"]
    assert harness.of("CodeReady")[0].code == 'print("hello")\n'
    out = session.output_dir
    assert out.parent.name == "output" and out.name.startswith("task_")
    assert (out / "final_code.py").read_text() == 'print("hello")\n'
    assert (out / "attempts" / "01.py").read_text() == 'print("hello")\n'
    assert "hello" in (out / "execution_log.txt").read_text()
    history = harness.history(session)
    assert history["schema_version"] == 1 and history["success"] is True and history["reason"] == "passed"
    assert history["task"] == "print hello" and history["language"] == "python"
    assert history["model"]["name"] == "scripted" and history["settings"]["max_debug_attempts"] == 5
    [attempt] = history["attempts"]
    assert attempt["status"] == "ok" and attempt["origin"] == "model" and attempt["usage"]["completion_tokens"] > 0
    assert attempt["prompt"][0]["role"] == "system" and "print hello" in attempt["prompt"][1]["content"]


def test_error_then_fix_repairs_with_the_traceback_and_a_stable_prefix(harness):
    session = harness.session([BAD, GOOD], [error(TRACEBACK), ok("hello\n")])
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    first, second = harness.model.conversations
    assert second[: len(first)] == first, "the repair conversation must extend the first prompt unchanged"
    assert second[len(first)].role == "assistant" and second[len(first)].content == BAD
    repair = second[-1].content
    assert "NameError: name 'hello' is not defined" in repair and "print(hello)" in repair
    statuses = [e.record.status for e in harness.of("AttemptFinished")]
    assert statuses == ["error", "ok"]
    assert [e.based_on for e in harness.of("AttemptStarted")] == [None, 1]
    out = session.output_dir
    assert (out / "attempts" / "01.py").read_text() == "print(hello)\n"
    assert (out / "final_code.py").read_text() == 'print("hello")\n'
    assert "NameError" in harness.history(session)["attempts"][0]["verdict"]


def test_compile_error_then_fix_quotes_the_compiler_output(harness):
    compile_failure = RunResult(RunStatus.COMPILE_ERROR, 1,
                                compile_output="main.c:3:5: error: expected ';' before 'return'\n")
    session = harness.session([fenced("int main(){return 0}", "c"), fenced("int main(){return 0;}", "c")],
                              [compile_failure, ok()], language="c")
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    assert "failed to compile" in harness.model.conversations[1][-1].content
    assert "expected ';' before 'return'" in harness.model.conversations[1][-1].content
    assert harness.history(session)["attempts"][0]["status"] == "compile_error"
    assert (session.output_dir / "attempts" / "01.c").exists()
    assert (session.output_dir / "final_code.c").read_text() == "int main(){return 0;}\n"


def test_timeout_then_fix_tells_the_model_about_the_time_limit(harness):
    timeout = RunResult(RunStatus.TIMEOUT, None, stdout="tick\n" * 50)
    session = harness.session([fenced("while True: print('tick')"), GOOD], [timeout, ok("hello\n")])
    outcome = session.run()

    assert outcome.success
    repair = harness.model.conversations[1][-1].content
    assert "stopped after 2 s" in repair and "tick" in repair and "earlier lines" in repair
    assert harness.of("AttemptFinished")[0].record.verdict.startswith("timed out")


def test_answer_without_code_block_gets_no_code_verdict_and_a_repair_prompt(harness):
    session = harness.session(["I cannot write that program.", GOOD], [ok("hello\n")])
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    assert harness.of("CodeReady")[0].code is None
    first = harness.of("AttemptFinished")[0].record
    assert first.status == "no_code" and "no complete ```python code block" in first.verdict
    assert "no complete ```python code block" in harness.model.conversations[1][-1].content
    assert len(harness.sandbox.calls) == 1, "an answer without code is never run"
    assert not (session.output_dir / "attempts" / "01.py").exists()


def test_answer_cut_off_at_the_token_limit_says_so_in_verdict_and_repair(harness):
    session = harness.session([Answer("```python\nprint('unfinished", finish_reason="length"), GOOD], [ok()])
    assert session.run().success

    assert harness.of("AttemptFinished")[0].record.verdict.endswith("(cut off at the token limit)")
    assert "it was cut off at the token limit" in harness.model.conversations[1][-1].content


def test_attempts_exhausted_marks_the_final_code_as_failed(harness):
    session = harness.session([BAD] * 3, [error(TRACEBACK)] * 3, max_attempts=3)
    outcome = session.run()

    assert (outcome.success, outcome.reason, outcome.final_attempt) == (False, "attempts_exhausted", 3)
    assert len(harness.model.conversations) == 3
    final = (session.output_dir / "final_code.py").read_text()
    assert final.startswith("# FAILED: this is attempt 3's code") and final.endswith("print(hello)\n")
    assert sorted(p.name for p in (session.output_dir / "attempts").iterdir()) == ["01.py", "02.py", "03.py"]
    history = harness.history(session)
    assert history["success"] is False and history["reason"] == "attempts_exhausted"
    assert harness.of("SessionFinished")[0].reason == "attempts_exhausted"


def test_each_attempt_is_on_disk_before_the_next_starts(harness):
    seen = []

    def on_event(event):
        if type(event).__name__ == "AttemptStarted" and event.attempt == 2:
            [folder] = list((harness.tmp_path / "output").iterdir())
            seen.append((folder / "attempts" / "01.py").read_text())
            seen.append(len(json.loads((folder / "debug_history.json").read_text())["attempts"]))

    harness.session([BAD, GOOD], [error(TRACEBACK), ok()], on_event=on_event).run()
    assert seen == ["print(hello)\n", 1]


def test_cancel_during_generation_records_the_partial_attempt(harness):
    session = harness.session([Answer(GOOD, hold_after=2)])
    timer = threading.Thread(target=lambda: (harness.model.started.wait(5), session.cancel()))
    timer.start()
    outcome = session.run()
    timer.join()

    assert (outcome.success, outcome.reason) == (False, "cancelled")
    [record] = [e.record for e in harness.of("AttemptFinished")]
    assert record.status == "cancelled" and record.raw_text == GOOD[:32] and record.code is None
    assert harness.of("ModelFinished")[0].usage.finish_reason == "cancelled"
    assert harness.sandbox.calls == []
    assert harness.history(session)["attempts"][0]["status"] == "cancelled"


def test_cancel_during_the_run_records_the_partial_attempt(harness):
    started = threading.Event()

    def long_run(files, language, cancel):
        started.set()
        cancel.wait(10)
        return RunResult(RunStatus.KILLED, None, stdout="partial\n")

    session = harness.session([GOOD], [long_run])
    timer = threading.Thread(target=lambda: (started.wait(5), session.cancel()))
    timer.start()
    outcome = session.run()
    timer.join()

    assert outcome.reason == "cancelled"
    record = harness.of("AttemptFinished")[0].record
    assert record.status == "cancelled" and record.stdout == "partial\n"
    assert (session.output_dir / "attempts" / "01.py").exists()
    assert harness.history(session)["reason"] == "cancelled"


def test_manual_edit_runs_as_a_manual_attempt_judged_like_any_other(harness):
    session = harness.session([BAD], [error(TRACEBACK), ok("hello\n")], max_attempts=1)
    session.run()
    record = session.run_manual('print("hello")\n', based_on=1)

    assert (record.number, record.origin, record.based_on, record.status) == (2, "manual", 1, "ok")
    assert [(e.attempt, e.origin) for e in harness.of("AttemptStarted")] == [(1, "model"), (2, "manual")]
    assert len(harness.model.conversations) == 1, "a manual attempt never calls the model"
    out = session.output_dir
    assert (out / "attempts" / "02.py").read_text() == 'print("hello")\n'
    assert (out / "final_code.py").read_text() == 'print("hello")\n'
    assert harness.history(session)["success"] is True


def test_fix_from_an_earlier_attempt_repairs_that_attempt(harness):
    other_bad = fenced("print(1/0)")
    session = harness.session([BAD, other_bad, GOOD],
                              [error(TRACEBACK), error("ZeroDivisionError: division by zero\n"), ok()],
                              max_attempts=2)
    assert session.run().reason == "attempts_exhausted"
    outcome = session.fix_from(1)

    assert outcome.success and outcome.final_attempt == 3
    third = harness.of("AttemptStarted")[2]
    assert (third.attempt, third.origin, third.based_on) == (3, "fix", 1)
    first_prompt, _, fix_prompt = harness.model.conversations
    assert fix_prompt[: len(first_prompt)] == first_prompt
    assert fix_prompt[len(first_prompt)].content == BAD and "NameError" in fix_prompt[-1].content
    assert "ZeroDivisionError" not in fix_prompt[-1].content
    assert harness.history(session)["attempts"][2]["origin"] == "fix"


def test_fix_from_a_manual_attempt_shows_the_model_the_edited_code(harness):
    session = harness.session([BAD, GOOD], [error(TRACEBACK), error("boom\n"), ok()], max_attempts=1)
    session.run()
    session.run_manual("print(undefined)\n", based_on=1)
    outcome = session.fix_from(2)

    assert outcome.success
    first, fix = harness.model.conversations
    assert fix[: len(first)] == first
    assert fix[len(first)].content == "```python\nprint(undefined)\n```"
    assert fix[-1].content.startswith("I ran the edited program above.")


def test_step_mode_pauses_after_a_failed_attempt_until_proceed(harness):
    def on_event(event):
        if type(event).__name__ == "StepPaused":
            assert not harness.model.conversations[1:], "no new attempt before proceed()"
            threading.Timer(0.05, session.proceed).start()

    session = harness.session([BAD, GOOD], [error(TRACEBACK), ok()], step_mode=True, on_event=on_event)
    outcome = session.run()

    assert outcome.success
    assert [e.after_attempt for e in harness.of("StepPaused")] == [1]


def test_cancel_while_paused_ends_the_session_as_cancelled(harness):
    def on_event(event):
        if type(event).__name__ == "StepPaused":
            threading.Timer(0.05, session.cancel).start()

    session = harness.session([BAD, GOOD], [error(TRACEBACK), ok()], step_mode=True, on_event=on_event)
    assert session.run().reason == "cancelled"
    assert len(harness.model.conversations) == 1


def test_model_error_ends_the_session_with_the_error(harness):
    session = harness.session([Answer("", error="the prompt does not fit the context")])
    outcome = session.run()

    assert outcome.reason == "error: the prompt does not fit the context"
    assert outcome.error is not None and outcome.error.exit_code == 4
    assert harness.history(session)["attempts"][0]["status"] == "model_error"


def test_reasoning_is_recorded_but_never_extracted(harness):
    answer = Answer(GOOD, reasoning="maybe ```python\nimport os; os.system('rm -rf /')\n```")
    session = harness.session([answer], [ok()])
    session.run()

    record = harness.of("AttemptFinished")[0].record
    assert record.code == 'print("hello")\n' and "rm -rf" in record.reasoning
    assert [e.channel for e in harness.of("ModelDelta")][0] == "reasoning"
