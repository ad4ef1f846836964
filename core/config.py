"""Typed configuration: built-in defaults ← a YAML file ← ASSISTANT_* environment ← CLI flags.

Every error names where the bad value came from (file, variable or flag), the key, and what is
allowed, in one line (ConfigError → exit code 2).
"""

import os
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Literal

import yaml

from core.errors import ConfigError
from core.sandbox.base import RunLimits

ENV_PREFIX = "ASSISTANT_"
# Environment variables with the prefix that are not settings (read elsewhere).
_ENV_NOT_CONFIG = {"ASSISTANT_REQUIRE_INTEGRATION", "ASSISTANT_DEBUG"}
APP_DIR_NAME = "ondevice-assistant"

SandboxType = Literal["auto", "docker", "bwrap", "firejail", "subprocess"]
BackendType = Literal["llama", "openai"]
Effort = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class ServerConfig:
    base_url: str = "http://127.0.0.1:8080/v1"
    model: str | None = None
    api_key: str | None = None
    timeout_seconds: float = 600.0


@dataclass(frozen=True)
class ModelConfig:
    backend: BackendType = "llama"
    path: str | None = None
    context_size: int = 8192
    gpu_layers: int | None = None
    threads: int | None = None
    flash_attention: bool = True
    seed: int = 42
    reasoning_effort: Effort = "medium"
    max_tokens: int = 4096
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    server: ServerConfig = field(default_factory=ServerConfig)


@dataclass(frozen=True)
class LimitsConfig:
    timeout_seconds: float = 10.0
    compile_timeout_seconds: float = 60.0
    memory_mb: int = 512
    cpus: float = 1.0
    max_processes: int = 64
    output_cap_bytes: int = 1024 * 1024
    disk_mb: int = 256

    def to_run_limits(self) -> RunLimits:
        return RunLimits(**{f.name: getattr(self, f.name) for f in fields(self)})


@dataclass(frozen=True)
class DockerConfig:
    image: str = "ondevice-assistant-sandbox:latest"
    pool_size: int = 1
    recycle_after_runs: int = 100


@dataclass(frozen=True)
class Config:
    max_debug_attempts: int = 5
    language: str = "python"
    sandbox_type: SandboxType = "auto"
    output_dir: str = "output"
    step_mode: bool = False
    model: ModelConfig = field(default_factory=ModelConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    docker: DockerConfig = field(default_factory=DockerConfig)
    source: str = field(default="built-in defaults", compare=False)


POSITIVE_KEYS = {
    "max_debug_attempts", "model.context_size", "model.max_tokens", "model.threads",
    "limits.timeout_seconds", "limits.compile_timeout_seconds", "limits.memory_mb",
    "limits.cpus", "limits.max_processes", "limits.output_cap_bytes", "limits.disk_mb",
    "docker.pool_size", "docker.recycle_after_runs", "model.server.timeout_seconds",
}


def default_config_paths(cwd: Path | None = None) -> list[Path]:
    """Where a config file is looked for when --config is not given, first match wins."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [(cwd or Path.cwd()) / "config.yaml", base / APP_DIR_NAME / "config.yaml"]


def load_config(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Iterable[tuple[str, Any, str]] = (),
) -> Config:
    """Build the Config. `overrides` are (dotted key, value, flag name) from the command line."""
    env = os.environ if env is None else env
    source = "built-in defaults"
    data: dict[str, Any] = {}
    file_path = _choose_file(path)
    if file_path is not None:
        source = str(file_path)
        data = _read_yaml(file_path)
    config = _build(Config, data, source, prefix="")
    config = replace(config, source=source)

    for name, raw in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and name not in _ENV_NOT_CONFIG:
            key = name[len(ENV_PREFIX):].lower().replace("__", ".")
            config = _override(config, key, _parse_scalar(raw), f"environment variable {name}")
    for key, value, flag in overrides:
        if value is not None:
            config = _override(config, key, value, f"option {flag}")

    _check_model_path(config, file_path)
    return config



def _choose_file(path: str | Path | None) -> Path | None:
    if path is not None:
        chosen = Path(path).expanduser()
        if not chosen.is_file():
            raise ConfigError(f"config file {chosen} not found: pass an existing file to --config")
        return chosen
    return next((p for p in default_config_paths() if p.is_file()), None)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config error in {path}: not valid YAML{where}: fix the syntax") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config error in {path}: cannot read it ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config error in {path}: the top level must be a mapping of keys")
    return data


def _build(cls: type, data: Mapping[str, Any], source: str, prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.name != "source"}
    values = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in known:
            allowed = ", ".join(sorted(known))
            raise ConfigError(f"config error in {source}: unknown key {dotted!r}; allowed here: {allowed}")
        values[key] = _coerce(hints[key], value, source, dotted)
    return cls(**values)


def _coerce(hint: Any, value: Any, source: str, key: str) -> Any:
    if is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ConfigError(f"config error in {source}: key {key!r} must be a mapping of keys")
        return _build(hint, value, source, prefix=f"{key}.")
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, value, source, key)
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(str(a) for a in args)
            raise ConfigError(f"config error in {source}: key {key!r} is {value!r}; allowed: {allowed}")
        return value
    expected = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[hint]
    ok = (
        (hint is bool and isinstance(value, bool))
        or (hint is int and isinstance(value, int) and not isinstance(value, bool))
        or (hint is float and isinstance(value, (int, float)) and not isinstance(value, bool))
        or (hint is str and isinstance(value, str))
    )
    if not ok:
        raise ConfigError(f"config error in {source}: key {key!r} must be {expected}, got {value!r}")
    if key in POSITIVE_KEYS and value <= 0:
        raise ConfigError(f"config error in {source}: key {key!r} must be greater than 0, got {value!r}")
    return float(value) if hint is float else value


def _override(obj: Any, dotted: str, value: Any, source: str, prefix: str = "") -> Any:
    """`obj` with the setting `dotted` (a key below `prefix`) set to `value`, checked as in a file."""
    head, _, rest = dotted.partition(".")
    if head not in {f.name for f in fields(obj) if f.name != "source"}:
        raise ConfigError(f"config error in {source}: unknown key {prefix + dotted!r}")
    if rest:
        current = getattr(obj, head)
        if not is_dataclass(current):
            raise ConfigError(f"config error in {source}: key {prefix + head!r} has no sub-key {rest!r}")
        new = _override(current, rest, value, source, f"{prefix}{head}.")
    else:
        new = _coerce(typing.get_type_hints(type(obj))[head], value, source, prefix + head)
    return replace(obj, **{head: new})


def _parse_scalar(raw: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw


def _check_model_path(config: Config, file_path: Path | None) -> None:
    if config.model.path is None or config.model.backend != "llama":
        return
    resolved = resolve_model_path(config, file_path)
    if not resolved.is_file():
        raise ConfigError(
            f"config error in {config.source}: key 'model.path' names {resolved}, which does not "
            "exist: put the GGUF there or set model.path to null to use the embedded model"
        )


def resolve_model_path(config: Config, file_path: Path | None = None) -> Path:
    """model.path made absolute: relative paths are read from the config file's folder."""
    assert config.model.path is not None
    path = Path(config.model.path).expanduser()
    if path.is_absolute():
        return path
    if file_path is None and config.source != "built-in defaults":
        file_path = Path(config.source)
    base = file_path.parent if file_path is not None and file_path.is_file() else Path.cwd()
    return (base / path).resolve()
