"""`assistant tui [TASK | SESSION_DIR]`: the full-screen app (also `assistant` with no arguments).

With a task it opens already running it; with a session folder (output/task_…) it opens that
past session to browse. Textual is imported only inside run(), so core/ stays importable
without it.
"""

import argparse
from pathlib import Path

from core.cli.common import add_common_options, add_sandbox_option, config_from_args
from core.history import HISTORY_FILE
from core.languages import LANGUAGES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="*", metavar="TASK | SESSION_DIR",
                        help="a task to start with, or a past session folder (output/task_…) to open")
    parser.add_argument("--lang", metavar="LANGUAGE", help="language of the program: "
                        + ", ".join(lang.name for lang in LANGUAGES) + " (config: language)")
    parser.add_argument("--max-attempts", type=int, metavar="N",
                        help="attempts before giving up (config: max_debug_attempts)")
    add_sandbox_option(parser)
    parser.add_argument("--model", metavar="GGUF", help="model weights to load (config: model.path)")
    parser.add_argument("--reasoning", choices=["low", "medium", "high"],
                        help="GPT-OSS reasoning effort (config: model.reasoning_effort)")
    parser.add_argument("--output", metavar="DIR", help="where sessions are saved (config: output_dir)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="wall-clock limit per program run (config: limits.timeout_seconds)")
    parser.add_argument("--step", action="store_true", help="pause after every failed attempt")
    add_common_options(parser)


def split_target(words: list[str]) -> tuple[str | None, Path | None]:
    """(task, session folder): a single existing folder holding a session history is opened."""
    if len(words) == 1:
        folder = Path(words[0]).expanduser()
        if folder.is_dir() and (folder / HISTORY_FILE).is_file():
            return None, folder
    task = " ".join(words).strip()
    return (task or None), None


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    task, session_dir = split_target(list(args.target))
    from tui.app import AssistantApp

    AssistantApp(config, task=task, session_dir=session_dir).run()
    return 0
