"""`assistant show DIR`: print one past session's attempts (DIR: a path or a name in the output dir)."""

import argparse
import json
from pathlib import Path

from core.cli.common import add_common_options, config_from_args
from core.errors import UsageError
from core.history import AttemptRecord, load_session
from core.prompts import tail
from core.textsafe import visible_controls


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", help="a session folder (task_YYYYMMDD_HHMMSS), as a path or a name")
    parser.add_argument("--output", metavar="DIR", help="the output directory names are read from "
                        "(config: output_dir)")
    parser.add_argument("--code", action="store_true", help="print every attempt's full code")
    parser.add_argument("--json", action="store_true", help="print the session's debug_history.json records")
    add_common_options(parser)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if not folder.is_dir():
        folder = Path(config_from_args(args).output_dir) / args.dir
    try:
        snapshot = load_session(folder)
    except ValueError as exc:
        raise UsageError(f"{args.dir}: {exc}") from None
    if args.json:
        print(json.dumps({"task": snapshot.task, "language": snapshot.language, "model": snapshot.model,
                          "success": snapshot.success, "reason": snapshot.reason,
                          "attempts": [r.to_dict() for r in snapshot.records]}, indent=2))
        return 0
    safe = visible_controls
    model = (snapshot.model or {}).get("name", "?")
    outcome = "passed" if snapshot.success else f"failed ({snapshot.reason or 'unfinished'})"
    print(f"{snapshot.output_dir}\ntask: {safe(snapshot.task)}\n{snapshot.language}, model {safe(str(model))}, "
          f"started {snapshot.started_at}: {outcome}")
    for record in snapshot.records:
        print()
        print(_render(record, args.code))
    return 0


def _render(record: AttemptRecord, full_code: bool) -> str:
    safe = visible_controls
    based = f" on attempt {record.based_on}" if record.based_on else ""
    total = record.durations.get("total_s", 0.0)
    lines = [f"── attempt {record.number} ({record.origin}{based}): {record.status} in {total:.1f} s",
             f"   {safe(record.verdict)}"]
    if record.code is not None:
        code = record.code if full_code else tail(record.code, 15)
        lines += ["   code:"] + [f"   │ {safe(line)}" for line in code.splitlines()]
    output = record.compile_output + record.stdout + record.stderr + record.test_output
    if output.strip():
        lines += ["   output (last lines):"] + [f"   │ {safe(line)}" for line in tail(output, 10).splitlines()]
    return "\n".join(lines)
