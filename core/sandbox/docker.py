"""The Docker executor: hardened warm containers (see docker_container.py and docker_pool.py).

A run costs one request to the supervisor already running in a warm container: no `docker exec`
session, no container start. Verdicts come from the supervisor (exit code, wall-clock limit,
cancel) and from the container cgroup's OOM-kill counter delta, because `OOMKilled` stays false
when a process other than the container's main one is killed.
"""

import threading
import time
from collections.abc import Mapping
from typing import Any

from core.cancel import CancelToken
from core.config import DockerConfig
from core.errors import SandboxUnavailableError, ToolchainMissingError
from core.languages import LANGUAGES, Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus
from core.sandbox.capture import StreamCapture
from core.sandbox.docker_container import (
    ContainerDied,
    ContainerError,
    ContainerShape,
    SupervisorTimeout,
    encode_files,
)
from core.sandbox.docker_pool import WarmContainerPool

ALL_TOOLS = sorted({tool for lang in LANGUAGES for tool in lang.toolchain})
BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "{workdir}",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "TERM": "dumb",
}
WATCHDOG_SLACK_SECONDS = 15.0
CONNECT_TIMEOUT_SECONDS = 5
API_TIMEOUT_SECONDS = 120  # creating and removing containers can be slow on a loaded machine


def connect(timeout: int = CONNECT_TIMEOUT_SECONDS) -> Any:
    """A docker-py client for the engine named by DOCKER_HOST (or the local socket)."""
    try:
        import docker
    except ImportError:
        raise SandboxUnavailableError(
            "the docker Python package is missing: pip install docker") from None
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure here means "no engine answers"
        raise SandboxUnavailableError(f"no Docker engine answers ({_short(exc)})") from None
    return client


def unavailable_reason(docker_config: DockerConfig) -> str | None:
    """None when an engine answers and the sandbox image exists, else a short reason."""
    try:
        client = connect()
    except SandboxUnavailableError as exc:
        return str(exc)
    try:
        client.images.get(docker_config.image)
    except Exception:  # noqa: BLE001 - ImageNotFound or an API error: either way not usable
        return f"the sandbox image {docker_config.image} is not built (run `assistant sandbox build`)"
    finally:
        client.close()
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[-1][:200] if text else type(exc).__name__


class DockerSandbox:
    kind = "docker"
    isolated = True

    def __init__(self, docker_config: DockerConfig) -> None:
        self.config = docker_config
        self._client: Any = None
        self._pool: WarmContainerPool | None = None
        self._tools: dict[str, bool] | None = None
        self._last_shape = ContainerShape.from_limits(RunLimits())
        self._lock = threading.Lock()

    def _open_pool(self) -> WarmContainerPool:
        with self._lock:
            if self._pool is None:
                reason = unavailable_reason(self.config)
                if reason is not None:
                    raise SandboxUnavailableError(f"the Docker sandbox cannot run: {reason}")
                self._client = connect(API_TIMEOUT_SECONDS)
                self._pool = WarmContainerPool(self._client, self.config.image, ALL_TOOLS,
                                               self.config.pool_size, self.config.recycle_after_runs)
            return self._pool

    def warm_up(self, limits: RunLimits) -> None:
        """Start the warm containers for `limits` now rather than at the first run."""
        shape = ContainerShape.from_limits(limits)
        self._last_shape = shape
        self._open_pool().fill(shape)

    def check(self, language: Language) -> None:
        tools = self._available_tools()
        missing = [tool for tool in language.toolchain if not tools.get(tool, False)]
        if missing:
            raise ToolchainMissingError(
                f"{language.display_name} needs {', '.join(missing)}, which the sandbox image "
                f"{self.config.image} lacks: add the Debian package(s) {', '.join(language.debian_packages)} "
                "to Dockerfile.sandbox and run `assistant sandbox build`")

    def _available_tools(self) -> dict[str, bool]:
        if self._tools is None:
            pool = self._open_pool()
            try:
                container = pool.acquire(self._last_shape)
            except ContainerError as exc:
                raise SandboxUnavailableError(f"the Docker sandbox cannot start: {exc}") from None
            self._tools = dict(container.hello.get("tools", {}))
            pool.release(container, reusable=True)
        return self._tools

    def run(
        self,
        files: Mapping[str, str | bytes],
        language: Language,
        limits: RunLimits,
        on_output: OutputCallback | None = None,
        cancel: CancelToken | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        command = list(language.run)
        try:
            self._last_shape = ContainerShape.from_limits(limits)
            self.check(language)
            pool = self._open_pool()
            container = pool.acquire(self._last_shape)
            self._tools = dict(container.hello.get("tools", {}))
        except (SandboxUnavailableError, ContainerError) as exc:
            return self._error(str(exc), command)
        except Exception as exc:  # noqa: BLE001 - an engine failure must not crash the caller
            return self._error(f"the Docker engine failed: {_short(exc)}", command)

        captures = {kind: StreamCapture(stream, limits.output_cap_bytes, on_output)
                    for kind, stream in ((b"1", "stdout"), (b"2", "stderr"), (b"c", "compile"))}
        request = {
            "files": encode_files(dict(files)),
            "compile": list(language.compile) if language.compile else None,
            "run": command,
            "env": {**BASE_ENV, **language.env},
            "timeout": limits.timeout_seconds,
            "compile_timeout": limits.compile_timeout_seconds,
            "cap": limits.output_cap_bytes,
            "stdin": encode_files({"in": stdin})["in"] if stdin else None,
        }
        budget = limits.timeout_seconds + WATCHDOG_SLACK_SECONDS
        if language.compile:
            budget += limits.compile_timeout_seconds
        started = time.monotonic()
        reusable = False
        try:
            reply = container.execute(
                request, lambda kind, data: captures[kind].feed(data) if kind in captures else None,
                started + budget,
                lambda: cancel is not None and cancel.cancelled)
        except SupervisorTimeout:
            result = self._error(f"the sandbox did not finish within {budget:.0f} s; its container was destroyed",
                                 command, RunStatus.TIMEOUT)
        except ContainerDied as exc:
            status = RunStatus.OOM if container.oom_killed() else RunStatus.KILLED
            result = self._error(f"{exc} during the run (the program killed its supervisor?); "
                                 "the container was replaced", command, status)
        except ContainerError as exc:
            result = self._error(str(exc), command)
        else:
            result = verdict(reply, limits, command)
            reusable = not (reply.get("leftover") or not reply.get("wiped") or reply.get("oom_kills")
                            or result.status in (RunStatus.TIMEOUT, RunStatus.KILLED, RunStatus.OOM,
                                                 RunStatus.SANDBOX_ERROR))
        finally:
            pool.release(container, reusable=reusable)
        for capture in captures.values():
            capture.close()
        result.stdout = captures[b"1"].text()
        result.stderr = captures[b"2"].text()
        result.compile_output = captures[b"c"].text()
        result.output_truncated = result.output_truncated or any(c.truncated for c in captures.values())
        return result

    def _error(self, detail: str, command: list[str], status: RunStatus = RunStatus.SANDBOX_ERROR) -> RunResult:
        return RunResult(status=status, exit_code=None, sandbox=self.kind, isolated=True,
                         command=command, detail=detail)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            client, self._client = self._client, None
        if pool is not None:
            pool.close()
        if client is not None:
            client.close()


def verdict(reply: dict, limits: RunLimits, command: list[str]) -> RunResult:
    """The RunResult a supervisor reply means (output is filled in by the caller)."""
    result = RunResult(status=RunStatus.OK, exit_code=0, sandbox="docker", isolated=True, command=command)
    if reply.get("setup_error"):
        result.status, result.exit_code = RunStatus.SANDBOX_ERROR, None
        result.detail = f"could not write the program's files: {reply['setup_error']}"
        return result
    oom = bool(reply.get("oom_kills"))
    step = reply.get("compile")
    if step is not None:
        result.compile_seconds = step["seconds"]
        result.output_truncated = step["truncated"]
        if step["exit_code"] != 0 or step["timed_out"] or step["cancelled"]:
            return _judge(result, step, oom, limits.compile_timeout_seconds, "compile step", compiling=True)
    step = reply["run"]
    result.run_seconds = step["seconds"]
    result.output_truncated = result.output_truncated or step["truncated"]
    result = _judge(result, step, oom, limits.timeout_seconds, "program", compiling=False)
    if reply.get("leftover"):
        result.detail = (result.detail + "; " if result.detail else "") + \
            f"{len(reply['leftover'])} process(es) survived the cleanup: container replaced"
    return result


def _judge(result: RunResult, step: dict, oom: bool, timeout: float, what: str, compiling: bool) -> RunResult:
    result.exit_code = step["exit_code"]
    if step.get("spawn_error"):
        result.status, result.exit_code = RunStatus.SANDBOX_ERROR, None
        result.detail = f"cannot start the {what}: {step['spawn_error']}"
    elif step["cancelled"]:
        result.status, result.detail = RunStatus.KILLED, f"the {what} was cancelled"
    elif step["timed_out"]:
        result.status = RunStatus.TIMEOUT
        result.detail = f"the {what} ran past the {timeout:g} s limit; its whole process tree was killed"
    elif oom:
        result.status = RunStatus.OOM
        result.detail = f"the {what} went past the memory limit and was killed"
    elif compiling:
        result.status = RunStatus.COMPILE_ERROR
        result.detail = f"the compile step exited with code {step['exit_code']}"
    elif step["signal"]:
        result.status = RunStatus.KILLED
        result.detail = f"the {what} was killed by signal {step['signal']}"
    elif step["exit_code"] != 0:
        result.status = RunStatus.ERROR
    return result
