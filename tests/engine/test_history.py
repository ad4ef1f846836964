"""The session folder: names, atomic files, reading past sessions back."""

import os
from datetime import datetime

import pytest

from core.history import AttemptRecord, SessionWriter, create_session_dir, list_sessions, load_session


def test_two_sessions_in_one_second_get_a_suffix(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5)
    names = [create_session_dir(tmp_path, now).name for _ in range(3)]
    assert names == ["task_20260102_030405", "task_20260102_030405_2", "task_20260102_030405_3"]


def _writer(tmp_path):
    return SessionWriter(tmp_path, "add numbers", "python", "py", {"name": "m"}, {"max_debug_attempts": 2})


def test_written_session_reads_back_and_is_listed(tmp_path):
    writer = _writer(tmp_path)
    records = [AttemptRecord(1, "model", None, "python", code="print(1)\n", status="error", verdict="boom"),
               AttemptRecord(2, "model", 1, "python", code="print(2)\n", status="ok")]
    writer.write(records[:1])
    writer.write(records, reason="passed")
    snapshot = load_session(writer.output_dir)
    assert snapshot.task == "add numbers" and snapshot.success and snapshot.reason == "passed"
    assert [r.status for r in snapshot.records] == ["error", "ok"] and snapshot.records[1].based_on == 1
    [summary] = list_sessions(tmp_path)
    assert (summary.path, summary.attempts, summary.success) == (writer.output_dir, 2, True)
    assert not [p for p in writer.output_dir.rglob("*.tmp")], "no temp files are left behind"


def test_history_behind_a_symlink_is_refused(tmp_path):
    writer = _writer(tmp_path)
    target = writer.output_dir / "debug_history.json"
    os.replace(target, tmp_path / "elsewhere.json")
    target.symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ValueError, match="cannot read"):
        load_session(writer.output_dir)
    assert list_sessions(tmp_path) == []


def test_a_folder_that_is_not_a_session_is_reported(tmp_path):
    with pytest.raises(ValueError, match="not a session folder"):
        load_session(tmp_path)
