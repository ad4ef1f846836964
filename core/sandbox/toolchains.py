"""Find the host's compilers and interpreters for the host sandboxes (bwrap, firejail, subprocess).

A tool in a system directory (/usr, /bin…) is used as is: those are bound read-only into the
sandboxes. A tool found only on the user's PATH (rustup under ~/.cargo, a JDK under /opt) is
used through its install prefix, which the sandbox binds read-only — never a whole home
directory, and never a folder that holds the current project.
"""

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.errors import ToolchainMissingError
from core.languages import LANGUAGES, Language

SYSTEM_BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
SYSTEM_PATH = ":".join(SYSTEM_BIN_DIRS)


@dataclass(frozen=True)
class Toolchain:
    """What a sandbox must expose for one language: extra read-only prefixes and PATH dirs."""

    prefixes: tuple[str, ...] = ()
    bin_dirs: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return ":".join((*self.bin_dirs, SYSTEM_PATH))


def toolchain_for(language: Language) -> Toolchain:
    """The toolchain `language` needs on this host; ToolchainMissingError names what to install."""
    prefixes: list[str] = []
    bin_dirs: list[str] = []
    for tool in language.toolchain:
        found = _locate(tool)
        if isinstance(found, str):
            raise ToolchainMissingError(
                f"{language.display_name} cannot run in the host sandboxes: {found}; install "
                f"{' and '.join(language.debian_packages)} (Debian/Ubuntu package names)"
            )
        if found is not None:
            prefix, bin_dir = found
            if prefix not in prefixes:
                prefixes.append(prefix)
            if bin_dir not in bin_dirs:
                bin_dirs.append(bin_dir)
    return Toolchain(tuple(prefixes), tuple(bin_dirs))


def available_languages(kind: str) -> dict[str, str | None]:
    """For `assistant doctor`: language name → None when sandbox `kind` (bwrap, firejail or
    subprocess) can run it on this machine, else the one-line reason."""
    sandbox_problem = _sandbox_problem(kind)
    check = toolchain_for
    if kind == "firejail":
        from core.sandbox.firejail import firejail_toolchain as check
    result: dict[str, str | None] = {}
    for language in LANGUAGES:
        if sandbox_problem is not None:
            result[language.name] = sandbox_problem
            continue
        try:
            check(language)
        except ToolchainMissingError as exc:
            result[language.name] = str(exc)
        else:
            result[language.name] = None
    return result


def _sandbox_problem(kind: str) -> str | None:
    if kind == "bwrap":
        from core.sandbox.bwrap import unavailable_reason

        return unavailable_reason()
    if kind == "firejail":
        from core.sandbox.firejail import unavailable_reason as firejail_reason

        return firejail_reason()
    if kind == "subprocess":
        return None
    raise ValueError(f"not a host sandbox kind: {kind!r}")


@functools.cache
def _locate(tool: str) -> tuple[str, str] | str | None:
    """None: in a system dir. (prefix, bin dir): outside them. str: why it cannot be used."""
    if shutil.which(tool, path=SYSTEM_PATH) is not None:
        return None
    found = shutil.which(tool)
    if found is None:
        return f"`{tool}` is not installed"
    real = Path(os.path.realpath(found))
    if real.name == "rustup":
        sysroot = _rustup_sysroot(found)
        if sysroot is None:
            return f"`{tool}` is a rustup proxy without a default toolchain (run `rustup default stable`)"
        prefix, bin_dir = sysroot, sysroot / "bin"
    else:
        bin_dir = real.parent
        prefix = bin_dir.parent
    problem = _unsafe_prefix(prefix)
    if problem is not None:
        return f"`{tool}` lives in {prefix}, which {problem}"
    return str(prefix), str(bin_dir)


def _rustup_sysroot(rustc: str) -> Path | None:
    try:
        out = subprocess.run([rustc, "--print", "sysroot"], capture_output=True, text=True,
                             timeout=20, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out and Path(out, "bin").is_dir() else None


def _unsafe_prefix(prefix: Path) -> str | None:
    """Why binding `prefix` into a sandbox would expose too much, or None."""
    homes = {Path.home(), Path("/root"), Path("/home")}
    if prefix == Path("/") or prefix in homes or prefix.parent == Path("/home"):
        return "is a home directory or the root: binding it would expose the user's files"
    cwd = Path.cwd().resolve()
    project = Path(__file__).resolve().parents[2]
    for private in (cwd, project):
        if private == prefix or prefix in private.parents:
            return f"contains {private}: binding it would expose the project"
    return None
