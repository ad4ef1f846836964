"""UI behaviour that needs no program run: actions, help, notices, loading, history, saving."""

import threading

import pytest

from core.config import Config
from core.errors import ModelError
from core.history import SessionWriter
from tests.tui.conftest import settle
from tests.tui.recorded_session import TASK, record, three_attempt_session
from tests.tui.stand_in import NeverRunSandbox, idle_model
from tui.actions import ACTIONS
from tui.app import AssistantApp
from tui.commands import AssistantCommands
from tui.widgets.attempt_timeline import AttemptTimeline
from tui.widgets.code_view import CodeView
from tui.widgets.diff_screen import DiffScreen
from tui.widgets.help_screen import HelpScreen, help_text
from tui.widgets.output_log import OutputLog
from tui.widgets.session_browser import SessionBrowser
from tui.widgets.task_prompt import TaskPrompt

pytestmark = pytest.mark.anyio


def make_app(tmp_path, *, model_opener=None, is_demo=False, **kwargs) -> AssistantApp:
    model = idle_model(is_demo=is_demo)
    return AssistantApp(Config(output_dir=str(tmp_path / "output")),
                        model_opener=model_opener or (lambda c, p: model),
                        sandbox_opener=lambda c: NeverRunSandbox(), **kwargs)


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def write_past_session(root) -> SessionWriter:
    writer = SessionWriter(root, TASK, "python", "py", None, {})
    records = [record(i) for i in range(3)]
    for count in range(1, 4):
        writer.write(records[:count])
    writer.write(records, reason="passed")
    return writer


def test_every_action_has_a_key_a_palette_name_and_a_help_line():
    keys = [key for spec in ACTIONS for key in spec.key.split(",")]
    assert len(keys) == len(set(keys))
    assert all(spec.palette and spec.help and spec.label for spec in ACTIONS)
    bound = {binding.action for binding in AssistantApp.BINDINGS}
    assert {spec.action for spec in ACTIONS} <= bound
    assert all(hasattr(AssistantApp, f"action_{spec.action}") for spec in ACTIONS)
    help_lines = help_text(demo=False).plain
    assert all(spec.help in help_lines for spec in ACTIONS)
    assert AssistantCommands in AssistantApp.COMMANDS


async def test_the_command_palette_runs_an_action_by_name(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Show prompt")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert "Select an attempt first." in notices(app)


async def test_help_screen_tells_how_to_get_gpt_oss_when_the_demo_model_runs(tmp_path):
    app = make_app(tmp_path, is_demo=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-text").render())
        assert "GPT-OSS-20B" in text and "model.path" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        assert "DEMO MODEL" in str(app.query_one("StatusBar").render())


async def test_a_model_that_cannot_load_is_a_notice_and_the_app_stays_usable(tmp_path):
    def broken(config, progress):
        raise ModelError("no GGUF found: put one in model/")

    app = make_app(tmp_path, model_opener=broken)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "no GGUF found: put one in model/" in notices(app)
        app.query_one(TaskPrompt).task_text = "print 1"
        await pilot.press("f5")
        await pilot.pause()
        assert app.session is None
        assert "model: unavailable" in str(app.query_one("StatusBar").render())


async def test_the_task_can_be_typed_while_the_model_loads_and_starts_once_ready(tmp_path):
    release = threading.Event()
    model = idle_model()

    def slow(config, progress):
        progress("loading weights", 0.5)
        release.wait(10)
        return model

    app = make_app(tmp_path, model_opener=slow)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        await pilot.click("#task-input")
        await pilot.press(*"sum two numbers")
        assert app.query_one(TaskPrompt).task_text == "sum two numbers"
        assert "loading weights 50%" in str(app.query_one("StatusBar").render())
        await pilot.press("f5")
        await pilot.pause()
        assert app.start_when_ready and app.session is None
        await pilot.press("f10")
        assert not app.start_when_ready
        release.set()
        await settle(pilot)
        assert app.model is model and app.session is None


class CrashingSandbox:
    """A sandbox whose run() fails with an error the engine does not expect (a broken engine
    connection, say): the call ends without finishing an attempt."""

    kind = "docker"
    isolated = True

    def check(self, language) -> None:
        pass

    def run(self, *args, **kwargs):
        raise RuntimeError("the container engine went away")

    def close(self) -> None:
        pass


async def test_the_status_never_shows_an_earlier_calls_outcome_after_a_later_call(tmp_path):
    model = idle_model()  # answers with no code: the one model attempt fails
    app = AssistantApp(Config(output_dir=str(tmp_path / "output"), max_debug_attempts=1),
                       model_opener=lambda c, p: model, sandbox_opener=lambda c: CrashingSandbox())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.query_one(TaskPrompt).task_text = "print 1"
        await pilot.press("f5")
        await settle(pilot)
        assert app.query_one("StatusBar").progress_text == "done: attempt limit reached"
        app.query_one(CodeView).text = "print(1)"
        await pilot.press("f6")
        await settle(pilot)
        assert any("the container engine went away" in n for n in notices(app))
        assert "attempt limit reached" not in app.query_one("StatusBar").progress_text


async def test_a_past_session_opens_from_the_command_line_with_every_attempt(tmp_path):
    writer = write_past_session(tmp_path / "output")
    app = make_app(tmp_path, session_dir=writer.output_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert [v.status for v in app.attempts.values()] == ["error", "error", "ok"]
        assert app.query_one(AttemptTimeline).row_count == 3
        assert app.selected == 3
        assert app.query_one(TaskPrompt).task_text == TASK
        app.query_one(AttemptTimeline).focus()
        await pilot.press("up", "up")
        await pilot.pause()
        assert "SyntaxError" in app.query_one(OutputLog).text


async def test_the_session_browser_lists_saved_sessions_and_opens_the_chosen_one(tmp_path):
    write_past_session(tmp_path / "output")
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SessionBrowser)
        await pilot.press("enter")
        await settle(pilot)
        assert app.past is not None and len(app.attempts) == 3


async def test_the_diff_view_compares_an_attempt_with_the_one_it_came_from(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for event in three_attempt_session():
            app.bridge.emit(event)
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        diff = str(app.screen.query_one("#diff-text").render())
        assert "-print(undefined)" in diff and "attempt 2" in diff


async def test_save_writes_the_code_pane_to_the_named_file(tmp_path):
    app = make_app(tmp_path)
    target = tmp_path / "saved.py"
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.query_one(CodeView).text = "print('saved')\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        field = app.screen.query_one("#save-path")
        field.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_text() == "print('saved')\n"


async def test_save_refuses_to_write_through_a_symlink(tmp_path):
    app = make_app(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "link.py"
    link.symlink_to(victim)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.query_one(CodeView).text = "overwrite"
        await pilot.press("ctrl+s")
        await pilot.pause()
        app.screen.query_one("#save-path").value = str(link)
        await pilot.press("enter")
        await settle(pilot)
        assert victim.read_text() == "keep"
        assert any("cannot save" in n for n in notices(app))
