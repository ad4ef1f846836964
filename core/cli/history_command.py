"""`assistant history`: list the past sessions in the output directory, newest last."""

import argparse
import json
from pathlib import Path

from core.cli.common import add_common_options, config_from_args
from core.history import list_sessions
from core.textsafe import visible_controls


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR", help="the output directory to read (config: output_dir)")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    root = Path(config_from_args(args).output_dir)
    sessions = list_sessions(root)
    if args.json:
        print(json.dumps([{"path": str(s.path), "task": s.task, "language": s.language,
                           "attempts": s.attempts, "success": s.success, "started_at": s.started_at}
                          for s in sessions], indent=2))
        return 0
    if not sessions:
        print(f"no sessions in {root}")
        return 0
    for s in sessions:
        status = "passed" if s.success else "failed"
        task = visible_controls(" ".join(s.task.split()))
        task = task if len(task) <= 70 else task[:69] + "…"
        print(f"{s.path.name:<26} {s.language:<10} {s.attempts:>2} attempt(s)  {status:<6}  {task}")
    return 0
