"""The bubblewrap executor: the host's toolchains in fresh namespaces, for machines without Docker.

Every run gets new user, pid, network (only `lo`), ipc, uts and cgroup namespaces, a root made of
read-only binds (/usr and its /bin, /lib… links, the few /etc entries toolchains read, and the
install prefix of a toolchain that lives elsewhere), a sized tmpfs at /tmp holding the work dir
(the only writable place, so it bounds the disk a run can fill), a new session (no terminal to
inject keystrokes into), and an empty environment. Resource limits are the supervisor's rlimits
(see host_process); the pid namespace dies with bwrap, so killing bwrap kills the whole tree.
"""

import functools
import glob
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping

from core.cancel import CancelToken
from core.errors import SandboxUnavailableError, ToolchainMissingError
from core.languages import Language
from core.sandbox.base import OutputCallback, RunLimits, RunResult, RunStatus
from core.sandbox.host_process import (
    PipeFds,
    base_env,
    judge,
    private_temp_dir,
    run_supervised,
    stage_files,
    supervisor_script,
)
from core.sandbox.toolchains import toolchain_for

SANDBOX_UID = 65534
WORKDIR = "/tmp/work"
SOURCE_DIR = "/run/source"
SHM_BYTES = 8 * 1024 * 1024
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC_ENTRIES = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime")


def namespace_args() -> list[str]:
    """The isolation flags, shared with the benchmark's raw `bwrap` row."""
    return ["--unshare-all", "--unshare-user", "--die-with-parent", "--new-session", "--clearenv",
            "--cap-drop", "ALL", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]


def filesystem_args(disk_bytes: int, prefixes: tuple[str, ...] = (), extra: list[str] | None = None) -> list[str]:
    """Read-only system binds, minimal /proc and /dev, the sized tmpfs holding WORKDIR, then the
    `extra` bind arguments; the root itself is made read-only last (else it is a writable tmpfs)."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in _TOP_LEVEL:
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for entry in _ETC_ENTRIES:
        if os.path.lexists(f"/etc/{entry}"):
            args += ["--ro-bind", f"/etc/{entry}", f"/etc/{entry}"]
    for java_etc in sorted(glob.glob("/etc/java-*")):
        args += ["--ro-bind", java_etc, java_etc]
    for prefix in prefixes:
        args += ["--ro-bind", prefix, prefix]
    args += [
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
        "--size", str(disk_bytes), "--tmpfs", "/tmp", "--dir", WORKDIR, "--chdir", WORKDIR,
        *(extra or []), "--remount-ro", "/",
    ]
    return args


class BwrapSandbox:
    kind = "bwrap"
    isolated = True

    def check(self, language: Language) -> None:
        problem = unavailable_reason()
        if problem is not None:
            raise SandboxUnavailableError(problem)
        toolchain_for(language)

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
            toolchain = toolchain_for(language)
        except ToolchainMissingError as exc:
            return _sandbox_error(str(exc))
        with private_temp_dir(prefix="assistant-bwrap-") as host_dir:
            source = os.path.join(host_dir, "source")
            etc = os.path.join(host_dir, "etc")
            try:
                os.mkdir(source)
                stage_files(source, files)
                _write_identity(etc)
            except (OSError, ValueError) as exc:
                return _sandbox_error(f"cannot prepare the program's files: {exc}")
            env = base_env(language, WORKDIR, toolchain.path, "/tmp")
            setenv = [a for key, value in env.items() for a in ("--setenv", key, value)]

            def make_argv(fds: PipeFds) -> list[str]:
                script = supervisor_script(language, limits, fds, copy_from=SOURCE_DIR)
                return [
                    "bwrap", *namespace_args(),
                    *filesystem_args(limits.disk_mb * 1024 * 1024, toolchain.prefixes, [
                        "--ro-bind", source, SOURCE_DIR,
                        "--ro-bind", os.path.join(etc, "passwd"), "/etc/passwd",
                        "--ro-bind", os.path.join(etc, "group"), "/etc/group",
                    ]),
                    *setenv, "--", "/bin/bash", "-c", script,
                ]

            try:
                outcome = run_supervised(make_argv, language=language, limits=limits, on_output=on_output,
                                         cancel=cancel, stdin=stdin)
            except OSError as exc:
                return _sandbox_error(f"cannot start bwrap: {exc}")
            command = [shlex.join(step) for step in (language.compile, language.run) if step]
            return judge(outcome, limits, sandbox=self.kind, isolated=True, command=command)

    def close(self) -> None:
        """Nothing to release: every run's namespaces and work dir die with it."""


def _write_identity(etc: str) -> None:
    os.mkdir(etc)
    with open(os.path.join(etc, "passwd"), "w", encoding="ascii") as handle:
        handle.write(f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:sandbox:{WORKDIR}:/bin/sh\n")
    with open(os.path.join(etc, "group"), "w", encoding="ascii") as handle:
        handle.write(f"sandbox:x:{SANDBOX_UID}:\n")


def _sandbox_error(detail: str) -> RunResult:
    return RunResult(status=RunStatus.SANDBOX_ERROR, exit_code=None, sandbox="bwrap", detail=detail)


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """None when bubblewrap can create its namespaces here, else why not (with the fix)."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (install the bubblewrap package)"
    probe = ["bwrap", *namespace_args(), *filesystem_args(1024 * 1024), "--", "/bin/true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, stdin=subprocess.DEVNULL, env={})
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bubblewrap cannot start: {exc}"
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = message[-1] if message else f"exit code {done.returncode}"
        return (f"bubblewrap cannot create its namespaces ({why}): enable unprivileged user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1)")
    return None
