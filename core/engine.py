"""The debug loop: generate → extract → run → judge → repair, until the code passes or the
attempt budget runs out. Every step is an event (core/events.py); every attempt is on disk
(core/history.py) before the next one starts.

A Session is driven from one worker thread at a time (run, run_manual, fix_from); cancel,
proceed and set_step_mode may be called from any thread. Each blocking method gets a fresh
cancel token, shared with the model stream and the sandbox run, so cancel() stops whichever is
in progress and the method returns with the partial attempt recorded as "cancelled".
"""

import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from core.cancel import CancelToken
from core.config import Config
from core.errors import AssistantError
from core.events import (
    AttemptFinished,
    AttemptStarted,
    CodeReady,
    Event,
    ModelDelta,
    ModelFinished,
    Notice,
    RunFinished,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
    StepPaused,
)
from core.extract import extract_code, language_for_code
from core.history import AttemptRecord, SessionWriter, final_record
from core.judge import (
    Judgement,
    build_test_run,
    check_tests_supported,
    conceal_checks,
    judge_program,
)
from core.languages import Language
from core.llm.base import Delta, Message, ModelBackend, SamplingParams, Usage
from core.prompts import (
    SHORT_DETAIL,
    assistant_turn,
    code_only_turn,
    fit_conversation,
    initial_conversation,
    prompt_budget,
    repair_message,
    task_message,
)
from core.sandbox.base import RunResult, RunStatus, Sandbox


@dataclass(frozen=True)
class TaskSpec:
    task: str
    language: Language
    expect_output: str | None = None
    expect_whitespace: str = "normalized"  # "exact" | "normalized"
    test_file: Path | None = None
    # The checks judge the program but are never shown to the model, neither in the task nor in
    # repair prompts (the benchmark's hidden checkers).
    hidden_checks: bool = False


@dataclass(frozen=True)
class SessionOutcome:
    success: bool
    final_attempt: int | None
    reason: str  # "passed" | "attempts_exhausted" | "cancelled" | "error: ..."
    output_dir: Path
    error: AssistantError | None = None  # set when reason is "error: ..."


class SessionBusyError(AssistantError):
    """A Session method was called while another one is running."""


class Session:
    def __init__(self, spec: TaskSpec, config: Config, model: ModelBackend, sandbox: Sandbox,
                 emit: Callable[[Event], None], output_root: Path | None = None) -> None:
        self.spec = spec
        self.config = config
        self.model = model
        self.sandbox = sandbox
        self._emit_raw = emit
        self._emit_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._token: CancelToken | None = None
        self._busy = False
        self._step_mode = config.step_mode
        self._proceed = threading.Event()
        self._records: list[AttemptRecord] = []
        self._started = False
        self._last_error: AssistantError | None = None
        self._tests: str | None = None
        if spec.test_file is not None:
            check_tests_supported(spec.language)
            self._tests = spec.test_file.read_text(encoding="utf-8")
        self._limits = config.limits.to_run_limits()
        mc = config.model
        self._params = SamplingParams(temperature=mc.temperature, top_p=mc.top_p, top_k=mc.top_k,
                                      max_tokens=mc.max_tokens, seed=mc.seed,
                                      reasoning_effort=mc.reasoning_effort,
                                      code_fence=spec.language.name)
        self._model_info = model.info()
        self._budget = prompt_budget(self._model_info.context_size, mc.max_tokens)
        shown = not spec.hidden_checks
        self._base = initial_conversation(spec.language, task_message(
            spec.task, spec.language, spec.expect_output if shown else None,
            spec.expect_whitespace == "exact", self._tests if shown else None,
            spec.test_file.name if spec.test_file and shown else ""))
        self._writer = SessionWriter(
            Path(output_root if output_root is not None else config.output_dir), spec.task,
            spec.language.name, spec.language.extension, self._model_info.to_dict(), self._settings())
        self.output_dir: Path = self._writer.output_dir

    # ---- public API -------------------------------------------------------------------------

    @property
    def records(self) -> list[AttemptRecord]:
        return list(self._records)

    @property
    def final_code_path(self) -> Path:
        return self._writer.final_code_path

    def run(self) -> SessionOutcome:
        """The automatic loop: a first attempt (or a repair of the last one when attempts exist)."""
        token = self._begin()
        try:
            return self._loop(token, self._records[-1] if self._records else None, "model")
        finally:
            self._end()

    def fix_from(self, attempt: int) -> SessionOutcome:
        """Ask the model to repair attempt `attempt`, then go on until passed or the budget is spent."""
        previous = self._record(attempt)
        token = self._begin()
        try:
            return self._loop(token, previous, "fix")
        finally:
            self._end()

    def run_manual(self, code: str, based_on: int | None) -> AttemptRecord:
        """Run user-edited code as a new attempt (origin "manual"), judged like any other."""
        if based_on is not None:
            self._record(based_on)
        token = self._begin()
        try:
            number = len(self._records) + 1
            started = time.perf_counter()
            self._emit(AttemptStarted(number, "manual", based_on))
            record = self._new_record(number, "manual", based_on, [])
            record.code = code
            self._emit(CodeReady(number, code))
            self._execute(record, token)
            self._finish_attempt(record, started)
            return record
        finally:
            self._end()

    def cancel(self) -> None:
        with self._state_lock:
            if self._token is not None:
                self._token.cancel()

    def proceed(self) -> None:
        self._proceed.set()

    def set_step_mode(self, on: bool) -> None:
        self._step_mode = on
        if not on:
            self._proceed.set()

    # ---- the loop -----------------------------------------------------------------------------

    def _loop(self, token: CancelToken, previous: AttemptRecord | None, origin: str) -> SessionOutcome:
        made = 0
        while made < self.config.max_debug_attempts:
            record = self._model_attempt(token, previous, origin)
            made += 1
            if record.passed:
                return self._finish_session("passed")
            if record.status == "cancelled":
                return self._finish_session("cancelled")
            if record.status == "model_error":
                return self._finish_session(f"error: {record.verdict}", self._last_error)
            previous, origin = record, "model"
            if made < self.config.max_debug_attempts and self._step_mode and not self._pause(token, record):
                return self._finish_session("cancelled")
        return self._finish_session("attempts_exhausted")

    def _pause(self, token: CancelToken, record: AttemptRecord) -> bool:
        """Step mode: wait for proceed(); False when cancelled instead."""
        self._proceed.clear()
        self._emit(StepPaused(record.number))
        while not self._proceed.wait(0.05):
            if token.cancelled:
                return False
        self._proceed.clear()
        return not token.cancelled

    def _model_attempt(self, token: CancelToken, previous: AttemptRecord | None, origin: str) -> AttemptRecord:
        number = len(self._records) + 1
        started = time.perf_counter()
        based_on = previous.number if previous is not None else None
        self._emit(AttemptStarted(number, origin, based_on))
        messages = self._conversation_for(previous)
        record = self._new_record(number, origin, based_on, [asdict(m) for m in messages])
        answer, reasoning, usage = self._generate(number, messages, token, record)
        record.raw_text, record.reasoning = answer, reasoning
        record.durations["generate_s"] = round(time.perf_counter() - started, 4)
        if usage is not None:
            record.usage = usage.to_dict()
        if record.status == "model_error":
            return self._finish_attempt(record, started)
        if token.cancelled or (usage is not None and usage.finish_reason == "cancelled"):
            record.verdict = "cancelled while the model was writing"
            return self._finish_attempt(record, started)
        code = extract_code(answer, self.spec.language)
        self._emit(CodeReady(number, code))
        if code is None:
            record.status = "no_code"
            cut = usage is not None and usage.finish_reason == "length"
            record.verdict = (f"the answer had no complete ```{self.spec.language.name} code block"
                              + (" (cut off at the token limit)" if cut else ""))
            return self._finish_attempt(record, started)
        record.code = code
        self._execute(record, token)
        return self._finish_attempt(record, started)

    def _generate(self, number: int, messages: list[Message], token: CancelToken,
                  record: AttemptRecord) -> tuple[str, str, Usage | None]:
        answer: list[str] = []
        reasoning: list[str] = []
        usage: Usage | None = None
        try:
            # closing(): a stream left unfinished would keep the backend's one-generation lock.
            with closing(self.model.stream(messages, self._params, token)) as stream:
                for item in stream:
                    if isinstance(item, Delta):
                        (answer if item.channel == "answer" else reasoning).append(item.text)
                        self._emit(ModelDelta(number, item.channel, item.text))
                    elif isinstance(item, Usage):
                        usage = item
        except AssistantError as exc:
            self._last_error = exc
            record.status, record.verdict = "model_error", str(exc)
        if usage is not None:
            self._emit(ModelFinished(number, usage))
        return "".join(answer), "".join(reasoning), usage

    def _execute(self, record: AttemptRecord, token: CancelToken) -> None:
        """Run record.code in the sandbox and judge it; fills the record's run fields."""
        number, code = record.number, record.code or ""
        language = language_for_code(self.spec.language, code)
        record.command = [*language.compile, "&&", *language.run] if language.compile else list(language.run)
        self._emit(RunStarted(number, list(record.command)))
        console: list[str] = []

        def on_output(stream: str, text: str) -> None:
            console.append(text)
            self._emit(RunOutput(number, stream, text))

        result = self._sandbox_run({language.source_file: code}, language, on_output, token)
        record.console = "".join(console)
        self._emit(RunFinished(number, result))
        record.stdout, record.stderr, record.compile_output = result.stdout, result.stderr, result.compile_output
        record.exit_code, record.output_truncated = result.exit_code, result.output_truncated
        record.durations["compile_s"] = round(result.compile_seconds, 4)
        record.durations["run_s"] = round(result.run_seconds, 4)
        if token.cancelled:
            record.status, record.verdict = "cancelled", "cancelled while the program was running"
            return
        judgement = self._judge(record, result, language, code, token)
        if token.cancelled:
            record.status, record.verdict = "cancelled", "cancelled while the tests were running"
            return
        record.status, record.verdict = judgement.status, judgement.verdict

    def _judge(self, record: AttemptRecord, result: RunResult, language: Language, code: str,
               token: CancelToken) -> Judgement:
        def run_tests() -> RunResult:
            return self._run_tests(record, language, code, token)

        judgement = judge_program(result, self._limits, self.spec.expect_output, self.spec.expect_whitespace,
                                  run_tests if self._tests is not None else None)
        if self.spec.hidden_checks:
            judgement = conceal_checks(judgement)
            if judgement.status == "tests_failed":
                record.test_output = judgement.verdict
        return judgement

    def _run_tests(self, record: AttemptRecord, language: Language, code: str, token: CancelToken) -> RunResult:
        """Run the user's tests against `code`; their output streams as the attempt's and is kept
        in record.test_output."""
        test_name = self.spec.test_file.name if self.spec.test_file is not None else ""
        files, test_language = build_test_run(language, language.source_file, code, self._tests or "", test_name)
        self._emit(Notice("info", f"running the tests in {test_name}"))
        output: list[str] = []

        def on_output(stream: str, text: str) -> None:
            output.append(text)
            self._emit(RunOutput(record.number, stream, text))

        test_result = self._sandbox_run(files, test_language, on_output, token)
        record.test_output = "".join(output)
        return test_result

    def _sandbox_run(self, files: dict[str, str], language: Language,
                     on_output: Callable[[str, str], None], token: CancelToken) -> RunResult:
        try:
            return self.sandbox.run(files, language, self._limits, on_output, token)
        except AssistantError as exc:  # the protocol says run() does not raise; be safe anyway
            return RunResult(RunStatus.SANDBOX_ERROR, None, detail=str(exc), sandbox=self.sandbox.kind)

    # ---- conversation -------------------------------------------------------------------------

    def _prefix_for(self, record: AttemptRecord) -> list[Message]:
        """The prompt that led to `record` (a manual edit inherits the one of what it edits)."""
        if record.prompt:
            return [Message(m["role"], m["content"]) for m in record.prompt]  # type: ignore[arg-type]
        if record.based_on is not None and record.based_on != record.number:
            return self._prefix_for(self._record(record.based_on))
        return list(self._base)

    def _conversation_for(self, previous: AttemptRecord | None) -> list[Message]:
        if previous is None:
            messages, compact = list(self._base), None
        else:
            language, limits = self.spec.language, self._limits
            cut_off = bool(previous.usage and previous.usage.get("finish_reason") == "length")
            repair = Message("user", repair_message(previous, language, limits.timeout_seconds,
                                                    limits.memory_mb, cut_off=cut_off))
            messages = [*self._prefix_for(previous), assistant_turn(previous, language), repair]

            def compact() -> list[Message]:
                return [code_only_turn(previous, language), Message("user", repair_message(
                    previous, language, limits.timeout_seconds, limits.memory_mb, SHORT_DETAIL, cut_off))]

        fitted = fit_conversation(messages, self.model.count_tokens, self._budget, compact)
        if fitted.dropped_pairs or fitted.compacted:
            parts = []
            if fitted.dropped_pairs:
                parts.append(f"left out the {fitted.dropped_pairs} oldest failed attempt(s)")
            if fitted.compacted:
                parts.append("cut the last answer to its code and shortened the error")
            self._emit(Notice("warning", f"the conversation did not fit the model's context window "
                              f"({self._model_info.context_size} tokens): " + " and ".join(parts)))
        return fitted.messages

    # ---- bookkeeping --------------------------------------------------------------------------

    def _new_record(self, number: int, origin: str, based_on: int | None,
                    prompt: list[dict[str, str]]) -> AttemptRecord:
        return AttemptRecord(number=number, origin=origin, based_on=based_on,
                             language=self.spec.language.name, prompt=prompt,
                             started_at=datetime.now().astimezone().isoformat(timespec="milliseconds"))

    def _finish_attempt(self, record: AttemptRecord, started: float) -> AttemptRecord:
        record.durations["total_s"] = round(time.perf_counter() - started, 4)
        self._records.append(record)
        self._writer.write(self._records)
        self._emit(AttemptFinished(record.number, record))
        return record

    def _finish_session(self, reason: str, error: AssistantError | None = None) -> SessionOutcome:
        self._writer.finish(self._records, reason)
        final = final_record(self._records)
        success = final is not None and final.passed
        final_attempt = final.number if final is not None else None
        self._emit(SessionFinished(success, final_attempt, str(self.output_dir), reason))
        return SessionOutcome(success, final_attempt, reason, self.output_dir, error)

    def _record(self, number: int) -> AttemptRecord:
        if not 1 <= number <= len(self._records):
            raise AssistantError(f"there is no attempt {number}: this session has "
                                 f"{len(self._records)} attempt(s)")
        return self._records[number - 1]

    def _begin(self) -> CancelToken:
        with self._state_lock:
            if self._busy:
                raise SessionBusyError("the session is already running an attempt: wait or cancel it")
            self._busy = True
            self._token = CancelToken()
            token = self._token
        if not self._started:
            self._started = True
            self._emit(SessionStarted(self.spec.task, self.spec.language.name, str(self.output_dir),
                                      self._model_info, self.sandbox.kind))
        return token

    def _end(self) -> None:
        with self._state_lock:
            self._busy = False
            self._token = None

    def _emit(self, event: Event) -> None:
        with self._emit_lock:
            self._emit_raw(event)

    def _settings(self) -> dict:
        limits = self.config.limits
        return {
            "max_debug_attempts": self.config.max_debug_attempts,
            "sandbox": self.sandbox.kind,
            "isolated": bool(getattr(self.sandbox, "isolated", True)),
            "limits": asdict(limits),
            "sampling": asdict(self._params),
            "expect_output": self.spec.expect_output,
            "expect_whitespace": self.spec.expect_whitespace,
            "test_file": str(self.spec.test_file) if self.spec.test_file else None,
            "step_mode": self.config.step_mode,
        }
