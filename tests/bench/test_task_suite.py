"""The built-in task suite: its shape, and how task files are read and filtered."""

from collections import Counter

import pytest

from core.bench.tasks import filter_tasks, load_task_suite, parse_task
from core.errors import UsageError

LANGUAGES = ("python", "javascript", "rust", "go", "c", "cpp", "bash")

VALID = """\
id: demo
language: python
title: Demo
prompt: print hi
check:
  expect_output: hi
reference: print("hi")
wrong: print("ho")
"""


@pytest.fixture(scope="module")
def suite():
    return load_task_suite()


def test_suite_has_at_least_24_tasks_with_unique_ids(suite):
    assert len(suite) >= 24
    assert len({task.id for task in suite}) == len(suite)


def test_every_required_language_has_at_least_three_tasks(suite):
    counts = Counter(task.language.name for task in suite)
    assert {lang: counts[lang] for lang in LANGUAGES if counts[lang] < 3} == {}


def test_every_task_has_a_checker_and_both_solutions(suite):
    for task in suite:
        assert task.expect_output or task.tests, task.id
        assert task.reference.strip() and task.wrong.strip() and task.reference != task.wrong, task.id


def test_the_suite_covers_the_promised_kinds_of_task(suite):
    categories = {task.category for task in suite}
    for kind in ("off-by-one", "compile fix", "standard library", "file I/O", "parsing", "numeric",
                 "data structures", "string processing"):
        assert any(kind in category for category in categories), kind
    assert any(task.timeout_seconds for task in suite), "a task with its own time limit"
    assert any(task.tests for task in suite), "a task checked by a test file"


def test_no_prompt_contains_its_expected_output_or_tests(suite):
    for task in suite:
        if task.expect_output and "\n" in task.expect_output.strip():
            assert task.expect_output.strip() not in task.prompt, task.id
        if task.tests:
            assert task.tests.strip() not in task.prompt, task.id


def test_a_task_file_without_a_checker_is_refused():
    with pytest.raises(UsageError, match="demo.yaml: 'check' needs expect_output and/or tests"):
        parse_task(VALID.replace("  expect_output: hi", "  nothing: 1"), "demo.yaml")


def test_a_task_file_missing_a_key_names_it():
    with pytest.raises(UsageError, match="missing key\\(s\\) wrong"):
        parse_task(VALID.replace('wrong: print("ho")\n', ""), "demo.yaml")


def test_tests_are_refused_for_a_language_other_than_python():
    text = VALID.replace("language: python", "language: c").replace("expect_output: hi", "tests: x")
    with pytest.raises(UsageError, match="Python tasks only"):
        parse_task(text, "demo.yaml")


def test_an_unknown_whitespace_mode_is_refused():
    with pytest.raises(UsageError, match="normalized or exact"):
        parse_task(VALID.replace("  expect_output: hi", "  expect_output: hi\n  whitespace: loose"), "x.yaml")


def test_filter_by_language_accepts_aliases(suite):
    chosen = filter_tasks(suite, ["rs", "C++"])
    assert chosen and {task.language.name for task in chosen} == {"rust", "cpp"}


def test_filter_limit_keeps_the_first_tasks(suite):
    assert filter_tasks(suite, limit=2) == suite[:2]


def test_an_unknown_task_id_is_a_usage_error(suite):
    with pytest.raises(UsageError, match="unknown task id\\(s\\): nope"):
        filter_tasks(suite, ids=["nope"])
