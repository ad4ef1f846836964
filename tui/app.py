"""AssistantApp: the layout, the actions, and the one place that turns engine events into panes.

Threads: the model loads, the sandbox opens and every Session method runs in a worker thread
(`@work(thread=True)`); workers only post messages. Engine events reach the app through
`EngineBridge`; the streaming panes are repainted by `flush_panes` at most ~30 times a second.
"""

import gc
import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Collapsible, Footer

from core.config import Config
from core.engine import Session, TaskSpec
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
from core.history import SessionSnapshot, list_sessions, load_session
from core.languages import resolve_language
from core.llm.base import ModelBackend, ModelInfo
from core.sandbox.base import Sandbox
from tui.actions import bindings
from tui.attempt_view import AttemptView
from tui.bridge import EngineBridge, EngineEventsReady
from tui.commands import AssistantCommands
from tui.messages import (
    EngineIdle,
    ModelProgress,
    ModelReady,
    PartFailed,
    PastSessionLoaded,
    PastSessionsListed,
    SandboxReady,
    SessionOpened,
    UserNotice,
)
from tui.widgets.attempt_timeline import AttemptTimeline
from tui.widgets.code_view import CodeView
from tui.widgets.diff_screen import DiffScreen, unified_diff
from tui.widgets.help_screen import HelpScreen
from tui.widgets.output_log import OutputLog
from tui.widgets.prompt_screen import PromptScreen
from tui.widgets.reasoning_view import ReasoningView
from tui.widgets.save_code_screen import SaveCodeScreen
from tui.widgets.session_browser import SessionBrowser
from tui.widgets.status_bar import StatusBar
from tui.widgets.task_prompt import TaskPrompt

ModelOpener = Callable[[Config, Callable[[str, float], None]], ModelBackend]
SandboxOpener = Callable[[Config], Sandbox]

FLUSH_INTERVAL_S = 1 / 30
REASONS = {"passed": "passed", "attempts_exhausted": "attempt limit reached", "cancelled": "cancelled"}


def default_model_opener(config: Config, on_progress: Callable[[str, float], None]) -> ModelBackend:
    from core.llm.factory import open_model

    return open_model(config, on_progress)


def default_sandbox_opener(config: Config) -> Sandbox:
    from core.sandbox.factory import open_sandbox

    return open_sandbox(config)


class AssistantApp(App[None]):
    """The full-screen face: task prompt, attempt timeline, code, output, reasoning, status."""

    CSS_PATH = Path(__file__).with_name("styles.tcss")
    TITLE = "ondevice coding assistant"
    BINDINGS = bindings()
    COMMANDS = App.COMMANDS | {AssistantCommands}

    def __init__(self, config: Config, *, task: str | None = None, session_dir: Path | None = None,
                 model_opener: ModelOpener = default_model_opener,
                 sandbox_opener: SandboxOpener = default_sandbox_opener,
                 output_root: Path | None = None) -> None:
        super().__init__()
        self.config = config
        self.output_root = Path(output_root if output_root is not None else config.output_dir)
        self._initial_task = task
        self._initial_session_dir = session_dir
        self._model_opener = model_opener
        self._sandbox_opener = sandbox_opener
        self.bridge = EngineBridge(self.post_message)
        self.model: ModelBackend | None = None
        self.model_info: ModelInfo | None = None
        self.sandbox: Sandbox | None = None
        self.failures: dict[str, str] = {}
        self.session: Session | None = None
        self.past: SessionSnapshot | None = None
        self.attempts: dict[int, AttemptView] = {}
        self.selected: int | None = None
        self.follow_live = True
        self.engine_busy = False
        self.paused_after: int | None = None
        self.step_mode = config.step_mode
        self.start_when_ready = False
        self.session_language = config.language
        self.last_outcome = ""
        self._stop_before_next_step = threading.Event()
        self._streaming_panes: tuple[CodeView, ReasoningView, OutputLog] | tuple[()] = ()

    # ---- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TaskPrompt(self.config.language, self.config.max_debug_attempts, id="task")
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                timeline = AttemptTimeline(id="timeline")
                timeline.border_title = "Attempts"
                yield timeline
                with Collapsible(title="Reasoning", collapsed=False, id="reasoning-pane"):
                    yield ReasoningView(id="reasoning")
            with Vertical(id="work"):
                code = CodeView(id="code")
                code.border_title = "Code"
                yield code
                output = OutputLog(id="output")
                output.border_title = "Output"
                yield output
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._streaming_panes = (self.query_one(CodeView), self.query_one(ReasoningView),
                                 self.query_one(OutputLog))
        self.set_interval(FLUSH_INTERVAL_S, self.flush_panes)
        self._update_status()
        self.load_model()
        self.open_sandbox()
        if self._initial_session_dir is not None:
            self.load_past_session(Path(self._initial_session_dir))
        elif self._initial_task:
            self.query_one(TaskPrompt).task_text = self._initial_task
            self.action_run_task()
        self.query_one("#task-input").focus()

    def on_ready(self) -> None:
        # Everything built so far lives as long as the app: moving it out of the collector's
        # reach keeps full collections (measured 60+ ms here) from stalling the event loop.
        gc.freeze()

    # ---- background parts ----------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="model")
    def load_model(self) -> None:
        try:
            model = self._model_opener(self.config, lambda text, fraction: self.post_message(
                ModelProgress(text, fraction)))
        except AssistantError as exc:
            self.post_message(PartFailed("model", str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown as a notice, never a traceback
            self.post_message(PartFailed("model", f"the model could not be loaded: {exc}"))
        else:
            self.post_message(ModelReady(model))

    @work(thread=True, exit_on_error=False, group="sandbox")
    def open_sandbox(self) -> None:
        try:
            sandbox = self._sandbox_opener(self.config)
        except AssistantError as exc:
            self.post_message(PartFailed("sandbox", str(exc)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(PartFailed("sandbox", f"the sandbox could not be opened: {exc}"))
        else:
            self.post_message(SandboxReady(sandbox))

    @work(thread=True, exit_on_error=False, group="history")
    def load_past_session(self, path: Path) -> None:
        try:
            snapshot = load_session(path)
        except (ValueError, OSError) as exc:
            self.post_message(UserNotice(f"cannot open {path}: {exc}", "error"))
        else:
            self.post_message(PastSessionLoaded(snapshot))

    @work(thread=True, exit_on_error=False, group="engine")
    def call_engine(self, session: Session | Callable[[], Session], steps: list[tuple[str, tuple]]) -> None:
        """Run Session methods one after another (stopping when one passes or is cancelled).
        `session` may be a factory: creating a Session writes its folder (fsync), which must not
        happen on the UI thread."""
        try:
            if not isinstance(session, Session):
                session = session()
                self.post_message(SessionOpened(session))
            for method, args in steps:
                if self._stop_before_next_step.is_set():
                    break
                result = getattr(session, method)(*args)
                status = getattr(result, "status", None) or getattr(result, "reason", None)
                if status in ("ok", "passed", "cancelled"):
                    break
        except (AssistantError, OSError) as exc:
            self.post_message(EngineIdle(str(exc)))
        except Exception as exc:  # noqa: BLE001
            self.post_message(EngineIdle(f"unexpected engine error: {exc!r}"))
        else:
            self.post_message(EngineIdle())

    @on(SessionOpened)
    def _session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        if self._stop_before_next_step.is_set():
            message.session.cancel()

    @on(ModelProgress)
    def _model_progress(self, message: ModelProgress) -> None:
        self.query_one(StatusBar).model_text = f"model: {message.text} {message.fraction:.0%}"

    @on(ModelReady)
    def _model_ready(self, message: ModelReady) -> None:
        self.model = message.model
        self.model_info = message.model.info()
        self.query_one(StatusBar).set_model(self.model_info)
        if self.model_info.is_demo:
            self.notify("Demo model in use: it writes poor code. F1 tells how to get GPT-OSS-20B.",
                        title="Model ready", markup=False)
        self._start_if_waiting()

    @on(SandboxReady)
    def _sandbox_ready(self, message: SandboxReady) -> None:
        self.sandbox = message.sandbox
        unsafe = "" if getattr(self.sandbox, "isolated", True) else " (NOT isolated)"
        self.query_one(StatusBar).sandbox_text = f"sandbox: {self.sandbox.kind}{unsafe}"
        self._start_if_waiting()

    @on(PartFailed)
    def _part_failed(self, message: PartFailed) -> None:
        self.failures[message.part] = message.text
        bar = self.query_one(StatusBar)
        if message.part == "model":
            bar.model_text = "model: unavailable"
        else:
            bar.sandbox_text = "sandbox: unavailable"
        self.start_when_ready = False
        self.notify(message.text, title=f"No {message.part}", severity="error", timeout=15, markup=False)
        self._update_status()

    # ---- engine events -------------------------------------------------------------------------

    @on(EngineEventsReady)
    def _engine_events(self) -> None:
        for event in self.bridge.take():
            self.apply_event(event)
        self._update_status()  # once per batch, not once per token

    def apply_event(self, event: Event) -> None:
        """Update state for one engine event; streamed text waits for the next flush and the
        status line for the end of the batch."""
        if isinstance(event, SessionStarted):
            self.session_language = event.language
            prompt = self.query_one(TaskPrompt)
            if not prompt.task_text:
                prompt.task_text = event.task
            self.sub_title = event.output_dir
        elif isinstance(event, AttemptStarted):
            self._attempt_started(event)
        elif isinstance(event, ModelDelta):
            view = self.attempts[event.attempt]
            if event.channel == "reasoning":
                view.reasoning += event.text
                if self.selected == event.attempt:
                    self.query_one(ReasoningView).append(event.text)
            else:
                view.answer += event.text
                if self.selected == event.attempt:
                    self.query_one(CodeView).append(event.text)
        elif isinstance(event, ModelFinished):
            self.attempts[event.attempt].add_usage(event.usage)
            self._refresh_row(event.attempt)
        elif isinstance(event, CodeReady):
            view = self.attempts[event.attempt]
            view.code = event.code
            if self.selected == event.attempt:
                self.query_one(CodeView).show(event.code if event.code is not None else view.answer)
        elif isinstance(event, RunStarted):
            view = self.attempts[event.attempt]
            view.status, view.command = "running", list(event.command)
            self._add_output(event.attempt, "meta", "$ " + " ".join(event.command) + "\n")
            self._refresh_row(event.attempt)
        elif isinstance(event, RunOutput):
            self._add_output(event.attempt, event.stream, event.text)
        elif isinstance(event, RunFinished):
            view = self.attempts[event.attempt]
            view.add_run_result(event.result)
            if self.selected == event.attempt:
                self.query_one(OutputLog).append(*view.output[-1])
        elif isinstance(event, AttemptFinished):
            self._attempt_finished(event)
        elif isinstance(event, StepPaused):
            self.paused_after = event.after_attempt
            self.notify(f"Step mode: paused after attempt {event.after_attempt}. F9 continues, "
                        "F10 stops (then edit and F6, or F7 to fix from any attempt).", markup=False)
        elif isinstance(event, Notice):
            severity = {"warning": "warning", "error": "error"}.get(event.level, "information")
            self.notify(event.text, severity=severity, markup=False)
        elif isinstance(event, SessionFinished):
            self.last_outcome = REASONS.get(event.reason, event.reason)
            self.paused_after = None
            severity = "information" if event.success else "warning"
            self.notify(f"Session {self.last_outcome}. Saved in {event.output_dir}",
                        severity=severity, markup=False)

    def _attempt_started(self, event: AttemptStarted) -> None:
        self.paused_after = None
        view = AttemptView(event.attempt, event.origin, event.based_on, language=self.session_language,
                           status="running" if event.origin == "manual" else "generating")
        self.attempts[event.attempt] = view
        self.query_one(AttemptTimeline).upsert(view)
        if self.follow_live and not self.query_one(CodeView).edited:
            self.show_attempt(event.attempt)

    def _attempt_finished(self, event: AttemptFinished) -> None:
        view = self.attempts[event.attempt]
        view.finish(event.record)
        self.last_outcome = f"attempt {event.attempt} {view.status}"
        self._refresh_row(event.attempt)
        if self.selected == event.attempt:
            self._show_verdict(view)

    def _add_output(self, attempt: int, kind: str, text: str) -> None:
        self.attempts[attempt].output.append((kind, text))
        if self.selected == attempt:
            self.query_one(OutputLog).append(kind, text)

    def _refresh_row(self, number: int) -> None:
        self.query_one(AttemptTimeline).upsert(self.attempts[number])

    def flush_panes(self) -> None:
        """Repaint the streaming panes with everything that arrived since the last flush."""
        for pane in self._streaming_panes:
            if pane.is_mounted:
                pane.flush()

    # ---- showing an attempt --------------------------------------------------------------------

    def show_attempt(self, number: int) -> None:
        """Point every pane at attempt `number`."""
        view = self.attempts[number]
        self.selected = number
        self.query_one(AttemptTimeline).select(number)
        code = self.query_one(CodeView)
        code.set_code_language(view.language or self.session_language)
        code.show(view.code if view.code is not None else view.answer)
        based = f", from #{view.based_on}" if view.based_on else ""
        code.border_title = f"Code · attempt {number} ({view.origin}{based})"
        self.query_one(ReasoningView).show(view.reasoning)
        output = self.query_one(OutputLog)
        output.clear()
        for kind, text in view.output:
            output.append(kind, text)
        output.flush()
        output.border_title = f"Output · attempt {number}"
        self._show_verdict(view)

    def _show_verdict(self, view: AttemptView) -> None:
        output = self.query_one(OutputLog)
        if view.finished:
            verdict = f" — {view.verdict}" if view.verdict else ""
            output.border_subtitle = f"{view.icon} {view.status}{verdict}"
        else:
            output.border_subtitle = f"{view.icon} {view.status}…"

    @on(AttemptTimeline.Selected)
    def _timeline_selected(self, message: AttemptTimeline.Selected) -> None:
        timeline = self.query_one(AttemptTimeline)
        if message.number != timeline.selected_number:
            return  # stale: the cursor moved on before this message was handled
        if message.number == self.selected or message.number not in self.attempts:
            return
        newest = max(self.attempts)
        self.follow_live = message.number == newest
        self.show_attempt(message.number)

    # ---- status --------------------------------------------------------------------------------

    def _update_status(self) -> None:
        bar = self.query_one(StatusBar)
        step = " · step mode" if self.step_mode else ""
        if self.paused_after is not None:
            text = f"paused after attempt {self.paused_after} (F9 continues)"
        elif self.engine_busy and self.attempts:
            newest = self.attempts[max(self.attempts)]
            phase = {"generating": "model writing", "running": "running"}.get(newest.status, newest.status)
            text = f"attempt {newest.number}: {phase}"
        elif self.engine_busy:
            text = "starting…"
        elif self.start_when_ready:
            text = "waiting for the model and sandbox…"
        elif self.past is not None:
            text = f"past session: {len(self.attempts)} attempts, {'passed' if self.past.success else 'failed'}"
        elif self.last_outcome:
            text = f"done: {self.last_outcome}"
        else:
            text = "ready: type a task, F5 runs it"
        bar.progress_text = text + step

    # ---- actions -------------------------------------------------------------------------------

    def _ready_or_say(self) -> bool:
        """True when a session step may start (or wait for the parts); else say why not."""
        for part in ("model", "sandbox"):
            if part in self.failures:
                self.notify(self.failures[part], title=f"No {part}", severity="error", markup=False)
                return False
        if self.engine_busy:
            self.notify("A session step is running: wait, or F10 to cancel it.", severity="warning")
            return False
        return True

    def _loaded_or_say(self) -> bool:
        """`_ready_or_say`, and the model and sandbox are loaded already (F6 and F7 never wait)."""
        if not self._ready_or_say():
            return False
        if self.model is None or self.sandbox is None:
            self.notify("Wait for the model and sandbox to be ready.", severity="warning")
            return False
        return True

    def action_run_task(self) -> None:
        prompt = self.query_one(TaskPrompt)
        if not prompt.task_text:
            self.notify("Type a task first: what should the program do?", severity="warning")
            return
        if prompt.max_attempts is None:
            self.notify("The attempt limit must be a whole number above 0.", severity="error")
            return
        if not self._ready_or_say():
            return
        if self.model is None or self.sandbox is None:
            self.start_when_ready = True
            self.notify("The task starts as soon as the model and sandbox are ready.")
            self._update_status()
            return
        self._start_session([("run", ())])

    def _start_if_waiting(self) -> None:
        if self.model is not None and self.sandbox is not None:
            gc.freeze()  # the model and sandbox modules are loaded now: long-lived too
        if self.start_when_ready and self.model is not None and self.sandbox is not None:
            self.start_when_ready = False
            self.action_run_task()

    def _session_factory(self) -> Callable[[], Session] | None:
        """Reset the panes for a new session and return how to create it (in the worker)."""
        prompt = self.query_one(TaskPrompt)
        config = replace(self.config, language=prompt.language, step_mode=self.step_mode,
                         max_debug_attempts=prompt.max_attempts or self.config.max_debug_attempts)
        model, sandbox = self.model, self.sandbox
        assert model is not None and sandbox is not None
        try:
            spec = TaskSpec(prompt.task_text or "(manual code)", resolve_language(prompt.language))
        except AssistantError as exc:
            self.notify(f"cannot start the session: {exc}", severity="error", markup=False)
            return None
        self.session = None
        self.past = None
        self.attempts.clear()
        self.query_one(AttemptTimeline).clear()
        self.selected = None
        self.session_language = spec.language.name
        self.query_one(CodeView).show("")
        self.query_one(ReasoningView).show("")
        self.query_one(OutputLog).clear()
        emit, output_root = self.bridge.emit, self.output_root
        return lambda: Session(spec, config, model, sandbox, emit, output_root)

    def _start_session(self, steps: list[tuple[str, tuple]]) -> None:
        factory = self._session_factory()
        if factory is not None:
            self._call(steps, factory)

    def _call(self, steps: list[tuple[str, tuple]],
              factory: Callable[[], Session] | None = None) -> None:
        self.query_one(CodeView).accept_edits()  # the edit becomes an attempt: follow it
        self.follow_live = True
        self.engine_busy = True
        self.last_outcome = ""  # "done: …" tells what this call did, never an earlier call's end
        self._stop_before_next_step.clear()
        self._update_status()
        target = factory if factory is not None else self.session
        assert target is not None
        self.call_engine(target, steps)

    @on(EngineIdle)
    def _engine_idle(self, message: EngineIdle) -> None:
        self.engine_busy = False
        self.paused_after = None
        self.flush_panes()
        if message.error:
            self.notify(message.error, severity="error", timeout=12, markup=False)
        self._update_status()

    def action_cancel(self) -> None:
        if self.start_when_ready:
            self.start_when_ready = False
            self.notify("The waiting task will not start.")
        elif self.engine_busy:
            self._stop_before_next_step.set()
            if self.session is not None:
                self.session.cancel()
            self.notify("Cancelling…")
        else:
            self.notify("Nothing is running.")
        self._update_status()

    def action_rerun_edited(self) -> None:
        code = self.query_one(CodeView).text
        if not code.strip():
            self.notify("The code pane is empty: write or pick some code first.", severity="warning")
            return
        if not self._loaded_or_say():
            return
        if self.session is None or self.past is not None:
            # a past session's attempts are not part of any live Session: start a new one
            self._start_session([("run_manual", (code, None))])
        else:
            self._call([("run_manual", (code, self.selected))])

    def action_fix_from_here(self) -> None:
        if self.selected is None:
            self.notify("Select an attempt first.", severity="warning")
            return
        if not self._loaded_or_say():
            return
        if self.session is not None and self.past is None:
            self._call([("fix_from", (self.selected,))])
            return
        code = self.attempts[self.selected].code
        if code is None:
            self.notify("That attempt has no code to fix.", severity="warning")
            return
        # past session: re-run its code in a new session, then repair from that attempt
        self._start_session([("run_manual", (code, None)), ("fix_from", (1,))])

    def action_toggle_step_mode(self) -> None:
        self.step_mode = not self.step_mode
        if self.session is not None:
            self.session.set_step_mode(self.step_mode)
        self.notify(f"Step mode {'on: pausing after each failed attempt' if self.step_mode else 'off'}.")
        self._update_status()

    def action_proceed(self) -> None:
        if self.paused_after is None or self.session is None:
            self.notify("Not paused: F9 continues only in step mode after an attempt.")
            return
        self.paused_after = None
        self.session.proceed()
        self._update_status()

    def action_show_diff(self) -> None:
        if self.selected is None:
            self.notify("Select an attempt first.", severity="warning")
            return
        view = self.attempts[self.selected]
        base = view.based_on if view.based_on in self.attempts else self.selected - 1
        if base not in self.attempts:
            self.notify(f"Attempt {self.selected} has no attempt before it to compare with.")
            return
        old = self.attempts[base].code or ""
        diff = unified_diff(old, view.code or "", f"attempt {base}", f"attempt {self.selected}")
        self.push_screen(DiffScreen(diff, f"Diff: attempt {base} → attempt {self.selected}"))

    def action_show_prompt(self) -> None:
        if self.selected is None:
            self.notify("Select an attempt first.", severity="warning")
            return
        view = self.attempts[self.selected]
        self.push_screen(PromptScreen(view.prompt, f"Prompt of attempt {self.selected}"))

    def action_open_session(self) -> None:
        if self.engine_busy:
            self.notify("A session is running: F10 cancels it first.", severity="warning")
            return
        self.list_past_sessions()

    @work(thread=True, exit_on_error=False, group="history")
    def list_past_sessions(self) -> None:
        """Read every saved session's history (one file each) for the F2 browser."""
        try:
            sessions = list_sessions(self.output_root)
        except OSError as exc:
            self.post_message(UserNotice(f"cannot list {self.output_root}: {exc}", "error"))
        else:
            self.post_message(PastSessionsListed(sessions))

    @on(PastSessionsListed)
    def _past_sessions_listed(self, message: PastSessionsListed) -> None:
        if self.engine_busy:
            return  # a session started while the folder was read: F2 again once it ends
        def opened(path: Path | None) -> None:
            if path is not None:
                self.load_past_session(path)

        self.push_screen(SessionBrowser(message.sessions, self.output_root), opened)

    @on(PastSessionLoaded)
    def _past_session_loaded(self, message: PastSessionLoaded) -> None:
        snapshot = message.snapshot
        self.session = None
        self.past = snapshot
        self.attempts = {r.number: AttemptView.from_record(r) for r in snapshot.records}
        timeline = self.query_one(AttemptTimeline)
        timeline.clear()
        for view in self.attempts.values():
            timeline.upsert(view)
        prompt = self.query_one(TaskPrompt)
        prompt.task_text = snapshot.task
        try:
            prompt.language = resolve_language(snapshot.language).name
        except AssistantError:
            pass
        self.session_language = snapshot.language
        self.sub_title = str(snapshot.output_dir)
        self.selected = None
        if self.attempts:
            self.show_attempt(max(self.attempts))
        self._update_status()

    def action_save_code(self) -> None:
        try:
            source_file = resolve_language(self.session_language).source_file
        except AssistantError:
            source_file = "main.txt"
        code = self.query_one(CodeView).text

        def save(path: str | None) -> None:
            if path is not None:
                self.save_code(Path(path).expanduser(), code)

        self.push_screen(SaveCodeScreen(source_file), save)

    @work(thread=True, exit_on_error=False, group="save")
    def save_code(self, target: Path, code: str) -> None:
        """Write `code` to `target`, never through a symlink (O_NOFOLLOW)."""
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(code)
        except OSError as exc:
            self.post_message(UserNotice(f"cannot save to {target}: {exc.strerror or exc}", "error"))
        else:
            self.post_message(UserNotice(f"Saved {len(code.splitlines())} lines to {target}"))

    def action_toggle_reasoning(self) -> None:
        pane = self.query_one("#reasoning-pane", Collapsible)
        pane.collapsed = not pane.collapsed

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(bool(self.model_info and self.model_info.is_demo)))

    @on(UserNotice)
    def _user_notice(self, message: UserNotice) -> None:
        self.notify(message.text, severity=message.severity, markup=False)

    @on(TaskPrompt.Submitted)
    def _task_submitted(self) -> None:
        self.action_run_task()

    def on_unmount(self) -> None:
        if self.session is not None:
            self.session.cancel()
        for part in (self.sandbox, self.model):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001, S110 - closing on the way out must not raise
                    pass

