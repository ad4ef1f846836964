"""The Sandbox protocol and the records every executor returns."""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Protocol

from core.cancel import CancelToken
from core.languages import Language


class RunStatus(str, Enum):
    OK = "ok"                        # exit code 0
    ERROR = "error"                  # the program exited non-zero
    COMPILE_ERROR = "compile_error"  # the compile step failed; its message is in compile_output
    TIMEOUT = "timeout"              # the wall-clock limit killed the process tree
    OOM = "oom"                      # the memory limit killed it
    KILLED = "killed"                # killed by a signal (or by the user's cancel)
    SANDBOX_ERROR = "sandbox_error"  # the sandbox itself failed; the code may never have run


@dataclass(frozen=True)
class RunLimits:
    timeout_seconds: float = 10.0
    compile_timeout_seconds: float = 60.0
    memory_mb: int = 512
    cpus: float = 1.0
    max_processes: int = 64
    output_cap_bytes: int = 1024 * 1024
    disk_mb: int = 256


# on_output(stream, text): stream is "stdout" or "stderr" ("compile" for the compile step's output)
OutputCallback = Callable[[str, str], None]

TRUNCATION_MARKER = "\n[... output truncated by the sandbox: cap of {cap} bytes reached ...]\n"


@dataclass
class RunResult:
    status: RunStatus
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    compile_output: str = ""
    output_truncated: bool = False
    compile_seconds: float = 0.0
    run_seconds: float = 0.0
    sandbox: str = ""
    isolated: bool = True
    command: list[str] = field(default_factory=list)
    detail: str = ""  # one human line: why it timed out, which limit, what the sandbox error was

    def to_dict(self) -> dict:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> "RunResult":
        return cls(**{**data, "status": RunStatus(data["status"])})


class Sandbox(Protocol):
    """Runs a program's files in isolation. Implementations: docker, bwrap, firejail, subprocess."""

    kind: str        # "docker", "bwrap", "firejail", "subprocess"
    isolated: bool   # False only for the subprocess executor

    def check(self, language: Language) -> None:
        """Raise ToolchainMissingError (naming what to install) when `language` cannot run here,
        SandboxUnavailableError when the sandbox itself cannot start. Does not block long."""

    def run(
        self,
        files: Mapping[str, str | bytes],
        language: Language,
        limits: RunLimits,
        on_output: OutputCallback | None = None,
        cancel: CancelToken | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        """Compile (when the language has a step) and run `language.run` in a fresh work
        directory holding `files` (relative path → content). Blocks until the program ends,
        hits a limit or `cancel` is set (then status KILLED within about a second). Streams
        output chunks to `on_output` as they come, from the calling thread or a reader thread.
        Never raises for anything the program does; sandbox failures become SANDBOX_ERROR."""

    def close(self) -> None:
        """Release containers and processes. Safe to call twice."""
