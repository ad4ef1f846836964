"""Screens pinned as SVG snapshots at 80×24 and 160×48 (update: pytest --snapshot-update).

Sessions are fed as fixed engine events through the app's bridge, models and sandboxes are
stand-ins that never run, and the cursor does not blink: every snapshot is stable."""

import pytest
from textual.widgets import TextArea

from core.config import Config
from tests.tui.recorded_session import session_in_progress, three_attempt_session
from tests.tui.stand_in import NeverRunSandbox, idle_model
from tui.app import AssistantApp

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


def make_app(tmp_path, is_demo: bool = False) -> AssistantApp:
    model = idle_model(is_demo=is_demo)
    return AssistantApp(Config(output_dir=str(tmp_path)), model_opener=lambda c, p: model,
                        sandbox_opener=lambda c: NeverRunSandbox())


async def steady(pilot) -> None:
    """Workers done, messages handled, panes flushed, no toasts, no blinking cursors."""
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.flush_panes()
    for area in app.query(TextArea):
        area.cursor_blink = False
    app.clear_notifications()
    await pilot.pause()


def feeder(events, busy: bool = False, then=None):
    async def run_before(pilot) -> None:
        await steady(pilot)
        pilot.app.engine_busy = busy
        for event in events:
            pilot.app.bridge.emit(event)
        await pilot.pause()
        if then is not None:
            await then(pilot)
        await steady(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_empty_app(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path, is_demo=True), terminal_size=size, run_before=steady)


@pytest.mark.parametrize("size", SIZES)
def test_run_in_progress(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size,
                        run_before=feeder(session_in_progress(), busy=True))


@pytest.mark.parametrize("size", SIZES)
def test_finished_session_with_three_attempts(snap_compare, tmp_path, size):
    assert snap_compare(make_app(tmp_path), terminal_size=size, run_before=feeder(three_attempt_session()))


@pytest.mark.parametrize("size", SIZES)
def test_diff_view(snap_compare, tmp_path, size):
    async def open_diff(pilot) -> None:
        await pilot.press("f3")

    assert snap_compare(make_app(tmp_path), terminal_size=size,
                        run_before=feeder(three_attempt_session(), then=open_diff))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, tmp_path, size):
    async def open_help(pilot) -> None:
        await pilot.press("f1")

    assert snap_compare(make_app(tmp_path, is_demo=True), terminal_size=size,
                        run_before=feeder([], then=open_help))
