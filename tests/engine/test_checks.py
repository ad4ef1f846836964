"""Expected-output and test-file verdicts, and trimming a conversation that outgrows the context."""

import pytest

from core.errors import UsageError
from core.sandbox.base import RunResult, RunStatus
from tests.support.fake_sandbox import error, ok
from tests.support.scripted_model import fenced

GOOD = fenced('print("hello")')


def test_wrong_output_fails_then_matching_output_passes(harness):
    session = harness.session([fenced('print("Hello")'), GOOD], [ok("Hello\n"), ok("hello  \n\n")],
                              expect_output="hello\n")
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    first = harness.of("AttemptFinished")[0].record
    assert first.status == "wrong_output"
    assert first.verdict == "output differs from the expected output at line 1: expected 'hello', got 'Hello'"
    assert "its output is wrong" in harness.model.conversations[1][-1].content
    assert "```\nhello\n```" in harness.model.conversations[0][1].content, "the task states the expected output"


def test_exact_mode_rejects_trailing_whitespace(harness):
    session = harness.session([GOOD], [ok("hello \n")], max_attempts=1, expect_output="hello\n",
                              expect_whitespace="exact")
    assert session.run().reason == "attempts_exhausted"
    assert harness.of("AttemptFinished")[0].record.status == "wrong_output"


def test_failing_tests_give_tests_failed_then_passing_tests_pass(harness, tmp_path):
    tests = tmp_path / "test_greet.py"
    tests.write_text("from main import greet\n\ndef test_greet():\n    assert greet() == 'hi'\n")
    failing = RunResult(RunStatus.ERROR, 1, stdout="FAILED test_greet (line 4: assert greet() == 'hi') - "
                        "AssertionError\n0 passed, 1 failed\n")
    session = harness.session([fenced("def greet(): return 'ho'"), fenced("def greet(): return 'hi'")],
                              [ok(), failing, ok(), ok("PASSED test_greet\n1 passed, 0 failed\n")],
                              test_file=tests)
    outcome = session.run()

    assert outcome.success and outcome.final_attempt == 2
    first = harness.of("AttemptFinished")[0].record
    assert (first.status, first.verdict) == ("tests_failed", "tests failed: 0 passed, 1 failed")
    assert "FAILED test_greet" in first.test_output
    assert "the tests failed" in harness.model.conversations[1][-1].content
    files, language = harness.sandbox.calls[1]
    assert set(files) == {"main.py", "test_greet.py", "_assistant_test_runner.py"}
    assert language.run == ("python3", "-B", "_assistant_test_runner.py")
    assert "test_greet" in harness.history(session)["settings"]["test_file"]


def test_tests_are_not_run_when_the_program_itself_fails(harness, tmp_path):
    tests = tmp_path / "test_x.py"
    tests.write_text("def test_x():\n    assert True\n")
    session = harness.session([GOOD], [error("boom\n")], max_attempts=1, test_file=tests)
    session.run()
    assert len(harness.sandbox.calls) == 1
    assert harness.of("AttemptFinished")[0].record.status == "error"


def test_test_file_for_a_language_other_than_python_is_refused(harness, tmp_path):
    tests = tmp_path / "test.c"
    tests.write_text("int main(){}")
    with pytest.raises(UsageError, match="--test is supported for Python only"):
        harness.session([GOOD], language="c", test_file=tests)


def test_context_overflow_drops_the_oldest_failed_attempts_first(harness):
    noise = "x = 1\n" * 150  # each answer ~230 tokens for the scripted model's counter
    answers = [fenced(noise + f"raise SystemExit({n})") for n in range(1, 5)] + [GOOD]
    session = harness.session(answers, [error(f"error {n}\n") for n in range(1, 5)] + [ok()],
                              context_size=1400)
    outcome = session.run()

    assert outcome.success
    notices = [n for n in harness.of("Notice") if "did not fit" in n.text]
    assert notices and "left out the 1 oldest failed attempt(s)" in notices[0].text
    last = harness.model.conversations[-1]
    assert [m.role for m in last[:2]] == ["system", "user"] and "print hello" in last[1].content
    assert "raise SystemExit(1)" not in "".join(m.content for m in last), "attempt 1 was dropped"
    assert "raise SystemExit(4)" in last[-2].content, "the attempt being repaired is kept"
    for conversation in harness.model.conversations:
        assert harness.model.count_tokens(conversation) <= 1400 - 700


def test_a_single_huge_failure_is_compacted_to_code_and_a_short_error(harness):
    huge_error = "".join(f"line {n}: something went wrong\n" for n in range(2000))
    session = harness.session([fenced("raise SystemExit(1)"), GOOD], [error(huge_error), ok()],
                              context_size=1024)
    outcome = session.run()

    assert outcome.success
    repair = harness.model.conversations[1][-1].content
    assert "line 1999" in repair and "line 1000:" not in repair
    assert harness.model.count_tokens(harness.model.conversations[1]) <= 512
    assert any("shortened the error" in n.text for n in harness.of("Notice"))
    assert harness.model.conversations[1][-2].content == "```python\nraise SystemExit(1)\n```"
