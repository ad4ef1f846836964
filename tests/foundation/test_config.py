"""The config loader: defaults, file, environment and flag overrides, and one-line errors."""

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import Config, load_config
from core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_shipped_config_yaml_equals_the_built_in_defaults():
    shipped = load_config(REPO / "config.yaml", env={})
    assert shipped == Config()


def test_file_values_override_defaults(tmp_path):
    config = load_config(write(tmp_path, "max_debug_attempts: 3\nlimits:\n  memory_mb: 256\n"), env={})
    assert config.max_debug_attempts == 3
    assert config.limits.memory_mb == 256
    assert config.limits.timeout_seconds == 10.0


def test_environment_overrides_file_and_nested_keys_use_double_underscore(tmp_path):
    env = {"ASSISTANT_MAX_DEBUG_ATTEMPTS": "7", "ASSISTANT_LIMITS__TIMEOUT_SECONDS": "2.5"}
    config = load_config(write(tmp_path, "max_debug_attempts: 3\n"), env=env)
    assert config.max_debug_attempts == 7
    assert config.limits.timeout_seconds == 2.5


def test_flags_override_environment(tmp_path):
    config = load_config(write(tmp_path, ""), env={"ASSISTANT_SANDBOX_TYPE": "bwrap"},
                         overrides=[("sandbox_type", "docker", "--sandbox")])
    assert config.sandbox_type == "docker"


def test_relative_model_path_is_read_from_the_config_files_folder(tmp_path):
    (tmp_path / "weights.gguf").write_bytes(b"GGUF")
    config = load_config(write(tmp_path, "model:\n  path: weights.gguf\n"), env={})
    assert config.model.path == "weights.gguf"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("max_debug_atempts: 3\n", "unknown key 'max_debug_atempts'; allowed here: docker, language"),
        ("max_debug_attempts: three\n", "key 'max_debug_attempts' must be an integer, got 'three'"),
        ("max_debug_attempts: -1\n", "key 'max_debug_attempts' must be greater than 0, got -1"),
        ("sandbox_type: vm\n", "key 'sandbox_type' is 'vm'; allowed: auto, docker, bwrap, firejail, subprocess"),
        ("model:\n  path: missing.gguf\n", "key 'model.path' names"),
        ("limits: 5\n", "key 'limits' must be a mapping of keys"),
        ("limits:\n  memry_mb: 5\n", "unknown key 'limits.memry_mb'"),
        ("model:\n  flash_attention: maybe\n", "key 'model.flash_attention' must be true or false"),
        ("max_debug_attempts: [3\n", "not valid YAML at line 2"),
        ("- a\n- b\n", "the top level must be a mapping of keys"),
    ],
    ids=["unknown-key", "wrong-type", "negative-attempts", "unknown-sandbox", "missing-model",
         "section-not-mapping", "unknown-nested-key", "bool-type", "bad-yaml", "not-a-mapping"],
)
def test_bad_config_file_gives_one_line_naming_file_key_and_what_is_allowed(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_bad_environment_variable_is_named_in_the_error(tmp_path):
    with pytest.raises(ConfigError, match="environment variable ASSISTANT_LIMITS__MEMORY_MB"):
        load_config(write(tmp_path, ""), env={"ASSISTANT_LIMITS__MEMORY_MB": "lots"})


def test_environment_variable_below_a_plain_key_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match="ASSISTANT_MODEL__PATH__X: key 'model.path' has no sub-key 'x'"):
        load_config(write(tmp_path, ""), env={"ASSISTANT_MODEL__PATH__X": "1"})


def test_missing_config_file_named_by_flag_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found: pass an existing file to --config"):
        load_config(tmp_path / "nope.yaml", env={})


def test_cli_reports_bad_config_in_one_line_with_exit_code_2(tmp_path):
    path = write(tmp_path, "sandbox_type: vm\n")
    done = subprocess.run([sys.executable, "-m", "core.cli.main", "doctor", "--config", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("error: config error in ")
    assert "Traceback" not in done.stderr
