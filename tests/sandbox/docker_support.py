"""Shared helpers of the Docker sandbox tests: small limits, one warm sandbox per test module."""

from core.config import DockerConfig
from core.errors import SandboxUnavailableError
from core.languages import resolve_language
from core.sandbox.base import RunLimits, RunResult, RunStatus
from core.sandbox.docker import DockerSandbox, connect, unavailable_reason
from tests.conftest import require

LIMITS = RunLimits(timeout_seconds=3, compile_timeout_seconds=60, memory_mb=256, cpus=1.0,
                   max_processes=32, output_cap_bytes=64 * 1024, disk_mb=32)


def require_docker(config: DockerConfig | None = None) -> None:
    reason = unavailable_reason(config or DockerConfig())
    require(reason is None, f"Docker engine ({reason})")


def require_engine() -> None:
    """Only the engine, not the image (for tests that build it)."""
    try:
        connect().close()
    except SandboxUnavailableError as exc:
        require(False, f"Docker engine ({exc})")


def open_docker_sandbox(config: DockerConfig | None = None, limits: RunLimits = LIMITS) -> DockerSandbox:
    require_docker(config)
    sandbox = DockerSandbox(config or DockerConfig())
    sandbox.warm_up(limits)
    return sandbox


def run(sandbox, code: str | bytes, lang: str = "python", limits: RunLimits = LIMITS, **kwargs) -> RunResult:
    language = resolve_language(lang)
    return sandbox.run({language.source_file: code}, language, limits, **kwargs)


def assert_next_run_works(sandbox) -> None:
    result = run(sandbox, 'print("the next run works")')
    assert result.status is RunStatus.OK, result
    assert result.stdout == "the next run works\n"
