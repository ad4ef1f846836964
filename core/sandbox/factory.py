"""Pick and open the sandbox the config names; `auto` is Docker, else bubblewrap, else refuse."""

from core.config import Config
from core.errors import SandboxUnavailableError
from core.sandbox.base import Sandbox


def auto_choice(config: Config) -> tuple[str | None, str]:
    """(kind, why) for sandbox_type auto: kind None when nothing usable was found."""
    from core.sandbox import bwrap, docker

    docker_problem = docker.unavailable_reason(config.docker)
    if docker_problem is None:
        return "docker", "a Docker engine answers and the sandbox image is built"
    bwrap_problem = bwrap.unavailable_reason()
    if bwrap_problem is None:
        return "bwrap", f"Docker is not usable ({docker_problem}); bubblewrap works"
    return None, f"Docker is not usable ({docker_problem}) and neither is bubblewrap ({bwrap_problem})"


def open_sandbox(config: Config, kind: str | None = None) -> Sandbox:
    """Open the sandbox `kind` (default: config.sandbox_type). Raises SandboxUnavailableError
    with the fix when it cannot run here."""
    kind = kind or config.sandbox_type
    if kind == "auto":
        chosen, why = auto_choice(config)
        if chosen is None:
            raise SandboxUnavailableError(
                f"no sandbox available: {why}. Run `make setup` (or install Docker or bubblewrap); "
                "`--sandbox subprocess` runs code unisolated on this machine"
            )
        kind = chosen
    if kind == "docker":
        from core.sandbox.docker import DockerSandbox

        return DockerSandbox(config.docker)
    if kind == "bwrap":
        from core.sandbox.bwrap import BwrapSandbox

        return BwrapSandbox()
    if kind == "firejail":
        from core.sandbox.firejail import FirejailSandbox

        return FirejailSandbox()
    if kind == "subprocess":
        from core.sandbox.local import SubprocessSandbox

        return SubprocessSandbox()
    raise SandboxUnavailableError(f"unknown sandbox type {kind!r}: use auto, docker, bwrap, firejail or subprocess")
