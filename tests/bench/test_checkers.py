"""Every task's hidden checker, in the real Docker sandbox: the reference solution passes it and
the deliberately wrong solution fails it."""

import pytest

from core.bench.tasks import load_task_suite
from core.bench.verify import check_solution

pytestmark = pytest.mark.docker

TASKS = load_task_suite()


@pytest.mark.parametrize("task", TASKS, ids=[task.id for task in TASKS])
def test_reference_solution_passes_its_checker(task, docker_sandbox, limits):
    judgement = check_solution(docker_sandbox, task, task.reference, limits)
    assert judgement.passed, judgement.verdict


@pytest.mark.parametrize("task", TASKS, ids=[task.id for task in TASKS])
def test_wrong_solution_fails_its_checker(task, docker_sandbox, limits):
    judgement = check_solution(docker_sandbox, task, task.wrong, limits)
    assert not judgement.passed, f"{task.id}: the wrong solution passed"
