"""`assistant doctor`: one line per prerequisite, each ok or missing, with the fix."""

import argparse
import importlib
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from core.cli.common import add_common_options, config_from_args
from core.config import Config
from core.errors import AssistantError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    checks = [check(config) for check in CHECKS]
    width = max(len(c.name) for c in checks)
    for c in checks:
        line = f"{'ok     ' if c.ok else 'missing'}  {c.name:<{width}}  {c.detail}"
        if not c.ok and c.fix:
            line += f"  → {c.fix}"
        print(line)
    print(f"config: {config.source}")
    return 0 if all(c.ok for c in checks if c.name in ESSENTIAL) else 1


def check_python(_: Config) -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 10)
    return Check("python", ok, f"Python {version}", "install Python 3.10 or newer")


def check_llama(_: Config) -> Check:
    try:
        llama_cpp = importlib.import_module("llama_cpp")
    except ImportError as exc:
        return Check("llama-cpp-python", False, f"not importable ({exc})", "run `make setup`")
    gpu = bool(llama_cpp.llama_supports_gpu_offload())
    where = "GPU offload available" if gpu else "CPU only (no GPU offload in this build)"
    return Check("llama-cpp-python", True, f"{llama_cpp.__version__}, {where}")


def check_model(config: Config) -> Check:
    try:
        from core.llm.factory import describe_model_choice

        return Check("model", True, describe_model_choice(config))
    except AssistantError as exc:
        return Check("model", False, str(exc), "see model/README.md")


def check_docker_engine(_: Config) -> Check:
    if shutil.which("docker") is None:
        return Check("docker engine", False, "no docker client", "run `make setup` or install docker.io")
    try:
        out = subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"],
                             capture_output=True, text=True, timeout=10)
    except subprocess.TimeoutExpired:
        return Check("docker engine", False, "the engine did not answer in 10 s", "start dockerd")
    if out.returncode != 0:
        return Check("docker engine", False, "no engine answers", "run `make setup` (starts dockerd as root)")
    return Check("docker engine", True, f"Docker {out.stdout.strip()}")


def check_sandbox_image(config: Config) -> Check:
    from core.sandbox import docker

    problem = docker.unavailable_reason(config.docker)
    if problem is None:
        return Check("sandbox image", True, config.docker.image)
    return Check("sandbox image", False, problem, "run `assistant sandbox build`")


def check_bwrap(_: Config) -> Check:
    from core.sandbox import bwrap

    problem = bwrap.unavailable_reason()
    if problem is None:
        return Check("bubblewrap", True, shutil.which("bwrap") or "bwrap")
    return Check("bubblewrap", False, problem, "apt-get install bubblewrap")


def check_firejail(_: Config) -> Check:
    path = shutil.which("firejail")
    if path is None:
        return Check("firejail", False, "not installed (optional)", "apt-get install firejail")
    return Check("firejail", True, f"{path} (setuid-root helper: a weaker boundary than docker or bwrap)")


def check_auto_choice(config: Config) -> Check:
    from core.sandbox.factory import auto_choice

    kind, why = auto_choice(config)
    chosen = f"configured: {config.sandbox_type}; auto would pick {kind or 'nothing'}: {why}"
    return Check("sandbox", kind is not None or config.sandbox_type != "auto", chosen,
                 "run `make setup` or install bubblewrap")


def check_languages(config: Config) -> Check:
    from core.sandbox.toolchains import available_languages

    parts = []
    for kind in ("bwrap", "firejail", "subprocess"):
        found = available_languages(kind)
        runnable = [lang for lang, problem in found.items() if problem is None]
        parts.append(f"{kind}: {', '.join(runnable) or 'none'}")
    return Check("host languages", True, "; ".join(parts) + " (docker: every language, from its image)")


CHECKS: tuple[Callable[[Config], Check], ...] = (
    check_python, check_llama, check_model, check_docker_engine, check_sandbox_image,
    check_bwrap, check_firejail, check_auto_choice, check_languages,
)
ESSENTIAL = {"python", "llama-cpp-python", "model", "sandbox"}
