"""The README's setup command is idempotent and quiet; `assistant --help` and `doctor` work."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require

REPO = Path(__file__).resolve().parents[2]


def assistant(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=timeout)


def test_help_lists_the_commands():
    done = assistant("--help")
    assert done.returncode == 0
    for command in ("doctor", "exec", "sandbox"):
        assert f"  {command} " in done.stdout


def test_doctor_reports_every_prerequisite_with_ok_or_missing():
    done = assistant("doctor")
    names = ["python", "llama-cpp-python", "model", "docker engine", "sandbox image",
             "bubblewrap", "firejail", "sandbox"]
    lines = done.stdout.splitlines()
    for name in names:
        assert any(line.split("  ")[0].strip() in ("ok", "missing") and f" {name} " in line
                   for line in lines), f"no doctor line for {name}:\n{done.stdout}"
    assert "Traceback" not in done.stderr


def test_doctor_says_ok_for_docker_and_the_image_on_a_set_up_machine():
    done = assistant("doctor")
    docker_ok = any(line.startswith("ok") and " sandbox image " in line for line in done.stdout.splitlines())
    require(docker_ok, f"Docker engine with the sandbox image (doctor said:\n{done.stdout})")
    assert done.returncode == 0


@pytest.mark.docker
def test_setup_script_is_quiet_when_everything_is_set_up():
    require((REPO / ".setup-stamps" / "pip").exists(), "a machine set up by scripts/setup.sh")
    env = {**os.environ, "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    done = subprocess.run(["scripts/setup.sh"], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
