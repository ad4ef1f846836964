"""The real `assistant` CLI with a scripted model in place of the model factory (tests only).

    python -m tests.support.scripted_cli SCRIPT.json [assistant arguments...]

SCRIPT.json is a list of answers: strings, or objects with the fields of
tests.support.scripted_model.Answer (text, reasoning, hold_after, hold_seconds, ...).
Everything else — config, sandbox, engine, files, exit codes — is the shipped code path.
"""

import json
import sys
from pathlib import Path

from core.cli import main as cli_main
from core.cli import run_command
from tests.support.scripted_model import Answer, ScriptedModel


def main(argv: list[str]) -> int:
    script_path, *rest = argv
    answers = [Answer(**a) if isinstance(a, dict) else Answer(a)
               for a in json.loads(Path(script_path).read_text())]

    def open_model(config, on_progress):
        on_progress("loading the scripted model", 1.0)
        return ScriptedModel(answers)

    run_command.run = lambda args: run_command.execute(args, open_model=open_model)
    return cli_main.main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
