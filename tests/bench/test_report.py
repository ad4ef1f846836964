"""The benchmark report: the self-debugging curve, medians, the text table and the JSON."""

import json

from core.bench.report import pass_curve, render_report, results_json, summarize, write_results
from core.bench.runner import TaskResult


def result(task_id: str, first: int | None, attempts: int, tokens: int = 100, seconds: float = 2.0,
           reason: str | None = None) -> TaskResult:
    return TaskResult(task_id=task_id, language="python", title=task_id, passed=first is not None,
                      first_pass_attempt=first, attempts=attempts, statuses=[], completion_tokens=tokens,
                      prompt_tokens_evaluated=0, seconds=seconds,
                      reason=reason or ("passed" if first else "attempts_exhausted"), output_dir="x")


RESULTS = [result("a", 1, 1, 50, 1.0), result("b", 3, 3, 300, 9.0), result("c", None, 3, 400, 12.0),
           result("d", 2, 2, 150, 4.0)]


def summary(results=RESULTS):
    return summarize(results, suite="tasks", model="m", sandbox="docker", max_attempts=3, jobs=1,
                     started_at="2026-01-01T00:00:00+00:00", wall_seconds=30.0)


def test_curve_counts_tasks_passed_by_each_attempt():
    assert [(p["attempt"], p["passed"], p["rate"]) for p in pass_curve(RESULTS, 3)] == [
        (1, 1, 0.25), (2, 2, 0.5), (3, 3, 0.75)]


def test_curve_of_no_tasks_is_zero_not_an_error():
    assert pass_curve([], 2) == [{"attempt": 1, "passed": 0, "rate": 0.0}, {"attempt": 2, "passed": 0, "rate": 0.0}]


def test_summary_has_medians_of_time_and_tokens():
    s = summary()
    assert (s.tasks, s.passed, s.median_seconds, s.median_tokens) == (4, 3, 6.5, 225)


def test_report_marks_a_task_that_never_passed_with_a_cross():
    text = render_report(summary(), RESULTS)
    row = next(line for line in text.splitlines() if line.startswith("c "))
    assert row.split()[:5] == ["c", "python", "✗", "3", "400"]


def test_report_lists_the_pass_rate_after_each_attempt():
    text = render_report(summary(), RESULTS)
    assert "k=1      1/4     25.0%" in text
    assert "k=3      3/4     75.0%" in text
    assert "median time per task: 6.5s" in text


def test_report_notes_a_session_that_ended_on_an_error():
    text = render_report(summary(), [result("e", None, 0, reason="error: model failed")])
    assert "(error: model failed)" in text


def test_json_holds_the_summary_and_every_task(tmp_path):
    json_path, report_path = write_results(tmp_path, summary(), RESULTS)
    data = json.loads(json_path.read_text())
    assert data["schema_version"] == 1
    assert data["summary"]["curve"][1] == {"attempt": 2, "passed": 2, "rate": 0.5}
    assert [t["first_pass_attempt"] for t in data["tasks"]] == [1, 3, None, 2]
    assert report_path.read_text() == render_report(summary(), RESULTS)
    assert json.loads(results_json(summary(), RESULTS)) == data
