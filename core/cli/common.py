"""Options and helpers shared by every subcommand."""

import argparse
import os
from typing import Any

from core.config import Config, load_config


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="config file (default: ./config.yaml, "
                        "then ~/.config/ondevice-assistant/config.yaml, then built-in defaults)")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def add_sandbox_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox", choices=["auto", "docker", "bwrap", "firejail", "subprocess"],
                        help="where programs run (config: sandbox_type)")


# (argparse dest, dotted config key, flag as the user types it)
OVERRIDABLE: tuple[tuple[str, str, str], ...] = (
    ("sandbox", "sandbox_type", "--sandbox"),
    ("max_attempts", "max_debug_attempts", "--max-attempts"),
    ("lang", "language", "--lang"),
    ("model", "model.path", "--model"),
    ("reasoning", "model.reasoning_effort", "--reasoning"),
    ("output", "output_dir", "--output"),
    ("timeout", "limits.timeout_seconds", "--timeout"),
    ("step", "step_mode", "--step"),
)


def config_from_args(args: argparse.Namespace) -> Config:
    """Load the config and apply every override flag this subcommand defines."""
    overrides: list[tuple[str, Any, str]] = []
    for dest, key, flag in OVERRIDABLE:
        value = getattr(args, dest, None)
        if value is not None and value is not False:
            overrides.append((key, value, flag))
    return load_config(getattr(args, "config", None), os.environ, overrides)
