"""Benchmark tasks: what the model is asked, and the hidden check its program must pass.

A task's checker (expected stdout and/or a Python test file) and its reference and wrong
solutions never reach the model: only `prompt` does. The built-in suite is one YAML file per
task in core/bench_tasks/.
"""

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from core.errors import UsageError
from core.languages import Language, resolve_language

TASKS_PACKAGE = "core.bench_tasks"
REQUIRED_KEYS = ("id", "language", "title", "prompt", "check", "reference", "wrong")
WHITESPACE_MODES = ("normalized", "exact")


@dataclass(frozen=True)
class BenchTask:
    id: str
    language: Language
    title: str
    prompt: str                        # all the model is shown
    expect_output: str | None = None   # hidden: expected stdout
    whitespace: str = "normalized"     # how stdout is compared: "normalized" or "exact"
    tests: str | None = None           # hidden: a Python test file (test_* functions, imports main)
    test_name: str = "test_task.py"
    timeout_seconds: float | None = None  # a run limit tighter than the config's, when the task needs one
    category: str = ""
    reference: str = ""                # a solution that passes the checker (for the project's tests)
    wrong: str = ""                    # a plausible solution that fails it (for the project's tests)


def load_task_suite() -> list[BenchTask]:
    """Every task of the built-in suite, sorted by id."""
    folder = resources.files(TASKS_PACKAGE)
    tasks = [parse_task(entry.read_text(encoding="utf-8"), entry.name)
             for entry in folder.iterdir() if entry.name.endswith(".yaml")]
    ids = [task.id for task in tasks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise UsageError(f"task suite error: duplicate task ids {', '.join(duplicates)}")
    return sorted(tasks, key=lambda task: task.id)


def parse_task(text: str, source: str) -> BenchTask:
    """One task from its YAML text; errors name the file and the key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"task file {source}: not valid YAML ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise UsageError(f"task file {source}: the top level must be a mapping")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise UsageError(f"task file {source}: missing key(s) {', '.join(missing)}")
    check = data["check"]
    if not isinstance(check, dict) or not (check.get("expect_output") or check.get("tests")):
        raise UsageError(f"task file {source}: 'check' needs expect_output and/or tests")
    whitespace = check.get("whitespace", "normalized")
    if whitespace not in WHITESPACE_MODES:
        raise UsageError(f"task file {source}: check.whitespace must be normalized or exact")
    language = resolve_language(str(data["language"]))
    if check.get("tests") and language.name != "python":
        raise UsageError(f"task file {source}: test files are supported for Python tasks only")
    return BenchTask(
        id=_text(data, "id", source).strip(),
        language=language,
        title=_text(data, "title", source).strip(),
        prompt=_text(data, "prompt", source).strip() + "\n",
        expect_output=check.get("expect_output"),
        whitespace=whitespace,
        tests=check.get("tests"),
        timeout_seconds=_optional_seconds(data, source),
        category=str(data.get("category", "")),
        reference=_text(data, "reference", source),
        wrong=_text(data, "wrong", source),
    )


def filter_tasks(tasks: list[BenchTask], languages: list[str] | None = None,
                 ids: list[str] | None = None, limit: int | None = None) -> list[BenchTask]:
    """The tasks in the given languages (names or aliases) and/or with the given ids, at most `limit`."""
    if languages:
        wanted = {resolve_language(name).name for name in languages}
        tasks = [task for task in tasks if task.language.name in wanted]
    if ids:
        known = {task.id for task in tasks}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise UsageError(f"unknown task id(s): {', '.join(unknown)}; `assistant bench --list` shows them")
        tasks = [task for task in tasks if task.id in ids]
    if limit is not None:
        tasks = tasks[:limit]
    if not tasks:
        raise UsageError("no task matches the given --lang/--task/--limit: `assistant bench --list` shows them")
    return tasks


def _text(data: dict[str, Any], key: str, source: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"task file {source}: {key!r} must be a non-empty string")
    return value


def _optional_seconds(data: dict[str, Any], source: str) -> float | None:
    value = data.get("timeout_seconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise UsageError(f"task file {source}: timeout_seconds must be a number greater than 0")
    return float(value)
