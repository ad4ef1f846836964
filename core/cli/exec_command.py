"""`assistant exec FILE`: run one file in the sandbox without the model (the manual re-run path)."""

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from core.cli.common import add_common_options, add_sandbox_option, config_from_args
from core.errors import SandboxUnavailableError, UsageError
from core.languages import LANGUAGES, Language, language_for_fence_tag, resolve_language
from core.sandbox.base import RunResult, RunStatus
from core.sandbox.factory import open_sandbox
from core.textsafe import visible_controls

EXIT_COMPILE_ERROR = 126
EXIT_TIMEOUT = 124
EXIT_OOM = 137
EXIT_SANDBOX_ERROR = 125

EPILOG = f"""exit status:
  the program's own exit code when it ran to its end
  {EXIT_TIMEOUT}  it ran past the time limit (the whole process tree was killed)
  {EXIT_OOM}  it went past the memory limit (or was killed by SIGKILL; other signals: 128+N)
  {EXIT_COMPILE_ERROR}  it did not compile (the compiler's message is on stderr)
  {EXIT_SANDBOX_ERROR}  the sandbox could not run it (no engine, no image, missing toolchain, failure)
  2    bad command line or configuration

Output is shown live, stdout on stdout, stderr and compiler messages on stderr; on a terminal,
control characters and escape sequences are shown as visible text (\\x1b), never interpreted."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("file", metavar="FILE", help="the source file to run")
    parser.add_argument("--lang", help="its language (default: guessed from the extension): "
                        + ", ".join(lang.name for lang in LANGUAGES))
    add_sandbox_option(parser)
    parser.add_argument("--timeout", type=float, metavar="S",
                        help="wall-clock limit in seconds (config: limits.timeout_seconds)")
    parser.add_argument("--json", action="store_true",
                        help="print the result record as JSON instead of the live output")
    add_common_options(parser)


def language_of(path: Path, lang: str | None) -> Language:
    if lang:
        return resolve_language(lang)
    ext = path.suffix.lstrip(".").lower()
    for language in LANGUAGES:
        if language.extension == ext:
            return language
    language = language_for_fence_tag(ext) if ext else None
    if language is None:
        allowed = ", ".join(lang.name for lang in LANGUAGES)
        raise UsageError(f"cannot tell the language of {path} from its extension: pass --lang ({allowed})")
    return language


def exit_status(result: RunResult) -> int:
    if result.status in (RunStatus.OK, RunStatus.ERROR):
        return result.exit_code or 0
    if result.status is RunStatus.TIMEOUT:
        return EXIT_TIMEOUT
    if result.status is RunStatus.OOM:
        return EXIT_OOM
    if result.status is RunStatus.COMPILE_ERROR:
        return EXIT_COMPILE_ERROR
    if result.status is RunStatus.KILLED:
        return result.exit_code if result.exit_code and result.exit_code > 128 else EXIT_OOM
    return EXIT_SANDBOX_ERROR


def terminal_writer(stream: TextIO) -> Callable[[str], None]:
    """A writer of program output to `stream`: on a terminal, control characters made visible."""
    safe = stream.isatty()

    def write(text: str) -> None:
        stream.write(visible_controls(text) if safe else text)
        stream.flush()

    return write


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{path} is not a file: pass the path of a source file")
    language = language_of(path, args.lang)
    config = config_from_args(args)
    source = path.read_bytes()
    out, err = terminal_writer(sys.stdout), terminal_writer(sys.stderr)

    def on_output(stream: str, text: str) -> None:
        if not args.json:
            (out if stream == "stdout" else err)(text)

    try:
        sandbox = open_sandbox(config, args.sandbox)
    except SandboxUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SANDBOX_ERROR
    try:
        if not sandbox.isolated and not args.json:
            print(f"warning: the {sandbox.kind} sandbox runs the program without isolation", file=sys.stderr)
        try:
            sandbox.check(language)
        except SandboxUnavailableError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_SANDBOX_ERROR
        result = sandbox.run({language.source_file: source}, language, config.limits.to_run_limits(),
                             on_output=on_output)
    finally:
        sandbox.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    elif result.status not in (RunStatus.OK, RunStatus.ERROR):
        print(f"[{result.status.value}] {visible_controls(result.detail)}", file=sys.stderr)
    return exit_status(result)
