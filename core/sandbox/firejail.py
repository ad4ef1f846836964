"""The Firejail executor: used only when named (`sandbox_type: firejail`).

Firejail is a setuid-root helper with a record of local-root bugs: a weaker boundary than Docker
or bubblewrap (see the README's security table). Its isolation comes from the profile shipped
next to this module (never /etc/firejail) plus explicit per-run flags: no network, a fresh
private home as the work dir, private /tmp and /dev, no capabilities, no new privileges,
seccomp, the project dir blacklisted, and rlimits. The environment is reset inside the sandbox
(Firejail adds variables of its own). Limits and output handling are host_process's.
"""

import functools
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from core.cancel import CancelToken
from core.errors import SandboxUnavailableError, ToolchainMissingError
from core.languages import Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus
from core.sandbox.host_process import (
    OPEN_FILES_LIMIT,
    PipeFds,
    base_env,
    judge,
    private_temp_dir,
    run_supervised,
    stage_files,
    supervisor_script,
)
from core.sandbox.toolchains import Toolchain, toolchain_for

PROFILE = Path(__file__).with_name("firejail") / "assistant.profile"
PROJECT_DIR = Path(__file__).resolve().parents[2]


def isolation_args(workdir: str, limits: RunLimits) -> list[str]:
    """Firejail's flags for one run, shared with the benchmark's raw `firejail` row."""
    hidden = {str(PROJECT_DIR), str(Path.cwd().resolve())}
    return [
        f"--profile={PROFILE}", "--quiet", "--net=none", f"--private={workdir}", "--private-tmp",
        "--private-dev", "--caps.drop=all", "--nonewprivs", "--seccomp", "--noroot",
        "--deterministic-exit-code", "--deterministic-shutdown",
        *(f"--blacklist={path}" for path in sorted(hidden)),
        f"--rlimit-nproc={limits.max_processes}", f"--rlimit-fsize={limits.disk_mb * 1024 * 1024}",
        f"--rlimit-nofile={OPEN_FILES_LIMIT}",
    ]


class FirejailSandbox:
    kind = "firejail"
    isolated = True

    def check(self, language: Language) -> None:
        problem = unavailable_reason()
        if problem is not None:
            raise SandboxUnavailableError(problem)
        firejail_toolchain(language)

    def run(
        self,
        files: Mapping[str, str | bytes],
        language: Language,
        limits: RunLimits,
        on_output: OutputCallback | None = None,
        cancel: CancelToken | None = None,
        stdin: str | None = None,
    ) -> RunResult:
        problem = unavailable_reason()
        if problem is not None:
            return _sandbox_error(problem)
        try:
            toolchain = firejail_toolchain(language)
        except ToolchainMissingError as exc:
            return _sandbox_error(str(exc))
        with private_temp_dir(prefix="assistant-firejail-") as host_dir:
            workdir = os.path.join(host_dir, "work")
            try:
                os.mkdir(workdir, 0o700)
                stage_files(workdir, files)
            except (OSError, ValueError) as exc:
                return _sandbox_error(f"cannot prepare the program's files: {exc}")
            home = str(Path.home())  # Firejail mounts the private dir on the user's home
            env = base_env(language, home, toolchain.path, "/tmp")

            def make_argv(fds: PipeFds) -> list[str]:
                script = supervisor_script(language, limits, fds, env=env)
                return ["firejail", *isolation_args(workdir, limits),
                        f"--keep-fd={fds.status},{fds.compile},{fds.stderr}",
                        "--", "/bin/bash", "-c", f"cd {shlex.quote(home)} && {{\n{script}}}"]

            try:
                outcome = run_supervised(make_argv, language=language, limits=limits, env={"PATH": "/usr/bin:/bin"},
                                         cwd=workdir, on_output=on_output, cancel=cancel, stdin=stdin)
            except OSError as exc:
                return _sandbox_error(f"cannot start firejail: {exc}")
            command = [shlex.join(step) for step in (language.compile, language.run) if step]
            return judge(outcome, limits, sandbox=self.kind, isolated=True, command=command)

    def close(self) -> None:
        """Nothing to release: Firejail's sandbox and the work dir end with each run."""


def firejail_toolchain(language: Language) -> Toolchain:
    """Firejail hides the home directory, so a toolchain installed under it cannot run."""
    toolchain = toolchain_for(language)
    home = Path.home()
    for prefix in toolchain.prefixes:
        if Path(prefix) == home or home in Path(prefix).parents:
            raise ToolchainMissingError(
                f"{language.display_name} cannot run under Firejail: its toolchain is in {prefix}, "
                f"inside the home directory Firejail hides; install {' and '.join(language.debian_packages)} "
                "(Debian/Ubuntu package names) system-wide"
            )
    return toolchain


def _sandbox_error(detail: str) -> RunResult:
    return RunResult(status=RunStatus.SANDBOX_ERROR, exit_code=None, sandbox="firejail", detail=detail)


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when Firejail can start a sandbox here, else why not (with the fix)."""
    if shutil.which("firejail") is None:
        return "firejail is not installed (install the firejail package)"
    with tempfile.TemporaryDirectory(prefix="assistant-firejail-probe-") as workdir:
        probe = ["firejail", *isolation_args(workdir, RunLimits()), "--", "/bin/true"]
        try:
            done = subprocess.run(probe, capture_output=True, timeout=20, stdin=subprocess.DEVNULL,
                                  env={"PATH": "/usr/bin:/bin"}, cwd=workdir)
        except (OSError, subprocess.SubprocessError) as exc:
            return f"firejail cannot start: {exc}"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = message[-1] if message else f"exit code {done.returncode}"
        return f"firejail cannot start a sandbox ({why})"
    return None
