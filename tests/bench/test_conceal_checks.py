"""Hidden checks: what a failed check may tell the model (core.judge.conceal_checks)."""

from core.judge import Judgement, conceal_checks


def test_a_wrong_output_verdict_loses_the_expected_text():
    verdict = "output differs from the expected output at line 1: expected 'SECRET', got 'x'"
    concealed = conceal_checks(Judgement("wrong_output", verdict))
    assert concealed.status == "wrong_output" and "SECRET" not in concealed.verdict


def test_a_failed_test_verdict_keeps_only_the_counts():
    concealed = conceal_checks(Judgement("tests_failed", "tests failed: FAILED test_x (assert f() == 9) 2 passed, 1 failed"))
    assert concealed == Judgement("tests_failed", "hidden tests failed: 2 passed, 1 failed")


def test_a_test_run_that_timed_out_says_so():
    judgement = Judgement("tests_failed", "the test run timed out: killed after the 10 s time limit")
    assert conceal_checks(judgement) == judgement


def test_a_passing_or_crashing_run_is_unchanged():
    for judgement in (Judgement("ok", "exited with code 0"), Judgement("error", "exited with code 1: boom")):
        assert conceal_checks(judgement) == judgement
