"""Attempt records and the session folder on disk: output/task_YYYYMMDD_HHMMSS[_N]/.

The folder holds attempts/NN.<ext> (each attempt's code), debug_history.json (schema_version,
task, language, model, settings, every attempt's record), final_code.<ext> (the last passing
code, or the last attempt's code under a header marking it failed) and execution_log.txt (the
console output of the latest run). Everything is rewritten after every attempt, each file
atomically (temp file, fsync, rename), so a killed process loses nothing already shown.
Past sessions are read with O_NOFOLLOW: a folder someone else can write never redirects a read.
"""

import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA_VERSION = 1
HISTORY_FILE = "debug_history.json"
LOG_FILE = "execution_log.txt"
ATTEMPTS_DIR = "attempts"
MAX_HISTORY_BYTES = 64 * 1024 * 1024

# Statuses an attempt can end with: the sandbox's RunStatus values plus the engine's own.
PASSED = "ok"
ENGINE_STATUSES = ("no_code", "wrong_output", "tests_failed", "cancelled", "model_error")

_LINE_COMMENT = {"python": "#", "bash": "#"}


@dataclass
class AttemptRecord:
    number: int
    origin: str                      # "model" | "manual" | "fix"
    based_on: int | None
    language: str
    prompt: list[dict[str, str]] = field(default_factory=list)  # [{role, content}], [] for manual
    raw_text: str = ""               # the model's answer channel, verbatim
    reasoning: str = ""              # the model's reasoning channel (never executed)
    code: str | None = None
    command: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    compile_output: str = ""
    exit_code: int | None = None
    status: str = "cancelled"
    verdict: str = ""
    output_truncated: bool = False
    durations: dict[str, float] = field(default_factory=dict)  # generate_s, compile_s, run_s, total_s
    usage: dict[str, Any] | None = None
    started_at: str = ""
    test_output: str = ""            # the --test runner's output, when tests ran
    console: str = ""                # compile + run output interleaved as it streamed

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "AttemptRecord":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class SessionSnapshot(NamedTuple):
    task: str
    language: str
    model: dict[str, Any] | None
    settings: dict[str, Any]
    records: list[AttemptRecord]
    output_dir: Path
    success: bool
    started_at: str = ""
    reason: str | None = None


class SessionSummary(NamedTuple):
    path: Path
    task: str
    language: str
    attempts: int
    success: bool
    started_at: str


def comment_prefix(language: str) -> str:
    return _LINE_COMMENT.get(language, "//")


def mark_failed(code: str, language: str, attempt: int, verdict: str) -> str:
    """The code under a comment header saying it did not pass (a shebang line stays first)."""
    prefix = comment_prefix(language)
    first_line = " ".join(verdict.split())[:200]
    header = (f"{prefix} FAILED: this is attempt {attempt}'s code and it did not pass.\n"
              f"{prefix} {first_line}\n")
    if code.startswith("#!"):
        shebang, _, rest = code.partition("\n")
        return f"{shebang}\n{header}{rest}"
    return header + code


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the whole new one, never a part."""
    write_files_atomic([(path, text)])


def write_files_atomic(items: list[tuple[Path, str]]) -> None:
    """Write several files atomically and durably: each goes to a temp file beside it, all are
    fsynced together (concurrent fsyncs share one journal commit: ~4 ms instead of ~4 ms each),
    then renamed in the given order, then their folders are fsynced so the renames persist."""
    temps: list[tuple[str, Path]] = []
    open_fds: list[int] = []
    try:
        for path, text in items:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            open_fds.append(fd)
            temps.append((tmp, path))
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(fd, view):]
        _parallel(os.fsync, open_fds)
        while open_fds:
            os.close(open_fds.pop())
        for tmp, path in temps:
            os.replace(tmp, path)
        _parallel(_fsync_dir, list(dict.fromkeys(path.parent for _, path in temps)))
    except BaseException:
        for fd in open_fds:
            os.close(fd)
        for tmp, _ in temps:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise


_POOL: ThreadPoolExecutor | None = None


def _parallel(function: Callable[[Any], None], items: list[Any]) -> None:
    global _POOL
    if len(items) <= 1:
        for item in items:
            function(item)
        return
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="history-fsync")
    for future in [_POOL.submit(function, item) for item in items]:
        future.result()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_session_dir(output_root: Path, now: datetime | None = None) -> Path:
    """output_root/task_YYYYMMDD_HHMMSS, or _2, _3… when that name is taken (mkdir is atomic)."""
    output_root.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    suffix = 1
    while True:
        path = output_root / (f"task_{stamp}" if suffix == 1 else f"task_{stamp}_{suffix}")
        try:
            path.mkdir()
        except FileExistsError:
            suffix += 1
            continue
        return path


class SessionWriter:
    """Owns one session folder and rewrites its files after every attempt."""

    def __init__(self, output_root: Path, task: str, language: str, extension: str,
                 model: dict[str, Any] | None, settings: dict[str, Any]) -> None:
        self.output_dir = create_session_dir(output_root)
        self.attempts_dir = self.output_dir / ATTEMPTS_DIR
        self.attempts_dir.mkdir()
        self.task = task
        self.language = language
        self.extension = extension
        self.model = model
        self.settings = settings
        self.started_at = datetime.now().astimezone().isoformat(timespec="seconds")
        self.reason: str | None = None
        self.write([])

    def attempt_path(self, number: int) -> Path:
        return self.attempts_dir / f"{number:02d}.{self.extension}"

    @property
    def final_code_path(self) -> Path:
        return self.output_dir / f"final_code.{self.extension}"

    def write(self, records: list[AttemptRecord], reason: str | None = None) -> None:
        """Rewrite the latest attempt's code, the final code, the log and the history JSON (last,
        so it never names an attempt file that is not there yet)."""
        if reason is not None:
            self.reason = reason
        items: list[tuple[Path, str]] = []
        if records and records[-1].code is not None:
            items.append((self.attempt_path(records[-1].number), records[-1].code))
        final = final_record(records)
        if final is not None and final.code is not None:
            code = final.code if final.passed else mark_failed(final.code, self.language,
                                                               final.number, final.verdict)
            items.append((self.final_code_path, code))
        elif records:
            prefix = comment_prefix(self.language)
            items.append((self.final_code_path, f"{prefix} FAILED: no attempt produced code "
                          f"({len(records)} attempt(s); see debug_history.json).\n"))
        if records:
            items.append((self.output_dir / LOG_FILE, execution_log(records[-1])))
        items.append((self.output_dir / HISTORY_FILE, json.dumps(self.document(records), indent=2)))
        write_files_atomic(items)

    def finish(self, records: list[AttemptRecord], reason: str) -> None:
        """Record how the session ended. Only debug_history.json changes: write() has already
        brought every other file up to date after the last attempt."""
        self.reason = reason
        write_atomic(self.output_dir / HISTORY_FILE, json.dumps(self.document(records), indent=2))

    def document(self, records: list[AttemptRecord]) -> dict[str, Any]:
        final = final_record(records)
        return {
            "schema_version": SCHEMA_VERSION,
            "task": self.task,
            "language": self.language,
            "model": self.model,
            "settings": self.settings,
            "started_at": self.started_at,
            "updated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "success": final is not None and final.passed,
            "final_attempt": final.number if final is not None else None,
            "reason": self.reason,
            "attempts": [r.to_dict() for r in records],
        }


def final_record(records: list[AttemptRecord]) -> AttemptRecord | None:
    """The last passing attempt, else the last attempt that produced code, else None."""
    for record in reversed(records):
        if record.passed:
            return record
    for record in reversed(records):
        if record.code is not None:
            return record
    return None


def execution_log(record: AttemptRecord) -> str:
    lines = [f"attempt {record.number} ({record.origin}) — status: {record.status}"]
    if record.verdict:
        lines.append(f"verdict: {record.verdict}")
    if record.command:
        lines.append("$ " + " ".join(record.command))
    text = "\n".join(lines) + "\n\n" + record.console
    if record.test_output:
        text += "\n--- tests ---\n" + record.test_output
    if record.exit_code is not None:
        text += f"\n[exit code {record.exit_code}]\n"
    return text


def read_text_nofollow(path: Path, limit: int = MAX_HISTORY_BYTES) -> str:
    """Read a file without following a symlink at its last component (O_NOFOLLOW)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path} is larger than {limit} bytes")
    return data.decode("utf-8", errors="replace")


def load_session(path: str | Path) -> SessionSnapshot:
    """Read a session folder written by SessionWriter. Raises ValueError when it is not one."""
    folder = Path(path)
    try:
        data = json.loads(read_text_nofollow(folder / HISTORY_FILE))
    except FileNotFoundError:
        raise ValueError(f"{folder} holds no {HISTORY_FILE}: not a session folder") from None
    except OSError as exc:
        raise ValueError(f"cannot read {folder / HISTORY_FILE}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{folder / HISTORY_FILE} is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{folder / HISTORY_FILE} has an unknown schema_version")
    records = [AttemptRecord.from_dict(item) for item in data.get("attempts", [])]
    return SessionSnapshot(
        task=str(data.get("task", "")), language=str(data.get("language", "")),
        model=data.get("model"), settings=data.get("settings") or {}, records=records,
        output_dir=folder, success=bool(data.get("success")),
        started_at=str(data.get("started_at", "")), reason=data.get("reason"),
    )


def list_sessions(output_root: str | Path) -> list[SessionSummary]:
    """Every readable session under output_root, oldest first. Links and broken folders are skipped."""
    root = Path(output_root)
    if not root.is_dir():
        return []
    summaries = []
    for entry in sorted(root.iterdir()):
        if not entry.name.startswith("task_") or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            snapshot = load_session(entry)
        except ValueError:
            continue
        summaries.append(SessionSummary(entry, snapshot.task, snapshot.language,
                                        len(snapshot.records), snapshot.success, snapshot.started_at))
    return summaries
