"""Entry point of the `assistant` console script.

`assistant "TASK"` runs the task headless; `assistant` alone opens the TUI; the first word may
instead name a subcommand (doctor, exec, sandbox, model, history, show, bench, tui).
"""

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from core.errors import AssistantError

# subcommand → module in core.cli exposing add_arguments(parser) and run(args) -> int
COMMANDS: dict[str, tuple[str, str]] = {
    "doctor": ("core.cli.doctor", "check this machine: Python, llama.cpp, model, Docker, sandboxes"),
    "exec": ("core.cli.exec_command", "run a file in the sandbox without the model"),
    "sandbox": ("core.cli.sandbox_command", "sandbox build: build the Docker image programs run in"),
    "run": ("core.cli.run_command", 'run a task headless (the default: assistant "TASK")'),
    "history": ("core.cli.history_command", "list past sessions in the output directory"),
    "show": ("core.cli.show_command", "show one past session's attempts: assistant show DIR"),
    "model": ("core.cli.model_command", "model list: the GGUF files found; model pull gpt-oss-20b: download it"),
    "tui": ("core.cli.tui_command", "the full-screen app: assistant tui [TASK | SESSION_DIR]"),
    "bench": ("core.cli.bench_command", "run the task suite or HumanEval through the engine and report pass rates"),
}
DEFAULT_COMMAND = "run"  # `assistant "TASK"` (registered by the engine's CLI module when present)
NO_ARGS_COMMAND = "tui"


def build_parser(command: str, description: str) -> argparse.ArgumentParser:
    module = importlib.import_module(COMMANDS[command][0])
    prog = "assistant" if command == DEFAULT_COMMAND else f"assistant {command}"
    parser = argparse.ArgumentParser(prog=prog, description=description)
    module.add_arguments(parser)
    parser.set_defaults(handler=module.run)
    return parser


def top_level_help() -> str:
    lines = ["usage: assistant [OPTIONS] \"TASK\"  |  assistant COMMAND [...]", "",
             "A local-first coding assistant: a local model writes the code, a sandbox runs it,",
             "errors go back to the model until it works.", "", "commands:"]
    lines += [f"  {name:<10} {desc}" for name, (_, desc) in COMMANDS.items()]
    lines += ["", "Run `assistant COMMAND --help` for a command's options."]
    return "\n".join(lines)


def choose_command(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] in COMMANDS and words[0] == argv[0]:
        return words[0], list(argv[1:])
    if not argv:
        return (NO_ARGS_COMMAND if NO_ARGS_COMMAND in COMMANDS else None), []
    if DEFAULT_COMMAND in COMMANDS and (words or argv[0] not in ("-h", "--help")):
        return DEFAULT_COMMAND, list(argv)
    return None, list(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = choose_command(argv)
    if command is None:
        print(top_level_help())
        return 0 if not argv or argv[0] in ("-h", "--help") else 2
    parser = build_parser(command, COMMANDS[command][1])
    args = parser.parse_args(rest)
    debug = getattr(args, "debug", False) or os.environ.get("ASSISTANT_DEBUG") == "1"
    try:
        return int(args.handler(args) or 0)
    except AssistantError as exc:
        if debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
