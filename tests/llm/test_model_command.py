"""`assistant model list` and `assistant model pull`."""

import os
import socket
import subprocess
import sys

import pytest

from core.cli.main import main
from core.llm import registry
from tests.llm.gguf_files import small_model_file

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture()
def project(tmp_path, monkeypatch):
    """A current directory with its own model/ folder, and no project-level models."""
    monkeypatch.setattr(registry, "PROJECT_ROOT", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model").mkdir()
    return tmp_path


def test_list_shows_size_architecture_quantisation_and_the_chosen_one(project, capsys):
    small_model_file(project / "model" / "tiny.gguf", "gpt-oss", **{"tokenizer.chat_template": "x"})
    assert main(["model", "list"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("* ") and "tiny.gguf" in first
    assert "gpt-oss" in first and "F32" in first and "MiB" in first and "chat template" in first


def test_list_marks_a_damaged_file_unusable_in_one_line(project, capsys):
    (project / "model" / "broken.gguf").write_bytes(b"not a model at all")
    assert main(["model", "list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "broken.gguf" in line)
    assert "unusable" in line and "not a GGUF" in line


def test_pull_of_an_unknown_model_is_a_usage_error(capsys):
    assert main(["model", "pull", "llama-9000"]) == 2
    assert "pullable models are gpt-oss-20b" in capsys.readouterr().err


def test_pull_without_a_reachable_hub_says_so_in_one_line(tmp_path):
    with socket.socket() as sock:  # a loopback port nobody listens on stands in for "no internet"
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-m", "core.cli.main", "model", "pull", "gpt-oss-20b",
                           "--dir", str(tmp_path / "m")], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 4
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: no internet connection to the model hub")
    assert "Traceback" not in done.stderr
