"""The main flows, driven with Pilot: a scripted model and the real Docker sandbox."""

import pytest

from tests.tui.conftest import settle, wait_until
from tests.tui.scripted_model import Script, fenced
from tui.bridge import EngineEventsReady
from tui.widgets.attempt_timeline import AttemptTimeline
from tui.widgets.code_view import CodeView
from tui.widgets.output_log import OutputLog
from tui.widgets.task_prompt import TaskPrompt

pytestmark = [pytest.mark.docker, pytest.mark.anyio]

FAILING = Script(fenced("print('partial')\nraise SystemExit(3)"), reasoning="First try.")
PASSING = Script(fenced("print('hello world')"), reasoning="Print it plainly.")


async def submit(pilot, task: str = "print hello world") -> None:
    pilot.app.query_one(TaskPrompt).task_text = task
    await pilot.press("f5")


def statuses(app) -> list[tuple[int, str, str]]:
    return [(v.number, v.origin, v.status) for v in app.attempts.values()]


async def test_a_submitted_task_streams_attempts_until_one_passes(make_app, docker_sandbox):
    app = make_app([FAILING, PASSING], docker_sandbox)
    messages = []
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await settle(pilot)
        await submit(pilot)
        await settle(pilot)
        assert statuses(app) == [(1, "model", "error"), (2, "model", "ok")]
        assert app.query_one(AttemptTimeline).row_count == 2
        assert app.selected == 2
        assert app.query_one(CodeView).text.strip() == "print('hello world')"
        assert "hello world" in app.query_one(OutputLog).text
        assert sum(isinstance(m, EngineEventsReady) for m in messages) >= 2
        assert app.last_outcome == "passed"


async def test_selecting_an_earlier_attempt_shows_its_code_output_and_verdict(make_app, docker_sandbox):
    app = make_app([FAILING, PASSING], docker_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot)
        await settle(pilot)
        app.query_one(AttemptTimeline).focus()
        await pilot.press("up")
        await pilot.pause()
        assert app.selected == 1
        assert "raise SystemExit(3)" in app.query_one(CodeView).text
        output = app.query_one(OutputLog)
        assert "partial" in output.text
        assert "exit 3" in output.text
        assert "error" in str(output.border_subtitle)


async def test_edited_code_runs_as_a_new_manual_attempt(make_app, docker_sandbox):
    app = make_app([FAILING], docker_sandbox, max_debug_attempts=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot)
        await settle(pilot)
        code = app.query_one(CodeView)
        code.text = "print('fixed by hand')"
        await pilot.press("f6")
        await settle(pilot)
        assert statuses(app) == [(1, "model", "error"), (2, "manual", "ok")]
        assert app.attempts[2].based_on == 1
        assert "fixed by hand" in app.query_one(OutputLog).text
        assert app.query_one("StatusBar").progress_text == "done: attempt 2 ok"


async def test_fix_from_here_sends_the_selected_attempt_and_its_error_to_the_model(make_app, docker_sandbox):
    app = make_app([FAILING, PASSING], docker_sandbox, max_debug_attempts=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot)
        await settle(pilot)
        assert statuses(app) == [(1, "model", "error")]
        await pilot.press("f7")
        await settle(pilot)
        assert statuses(app) == [(1, "model", "error"), (2, "fix", "ok")]
        assert app.attempts[2].based_on == 1
        repair = app.scripted_model.calls[-1]
        assert "raise SystemExit(3)" in "".join(m.content for m in repair)


async def test_cancel_stops_a_running_program_and_records_the_attempt(make_app, docker_sandbox):
    sleeper = Script(fenced("import time\nprint('started', flush=True)\ntime.sleep(60)"))
    app = make_app([sleeper], docker_sandbox, max_debug_attempts=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot)
        await wait_until(pilot, lambda: "started" in app.query_one(OutputLog).text)
        await pilot.press("f10")
        await settle(pilot, timeout=15)
        assert statuses(app) == [(1, "model", "cancelled")]
        assert app.last_outcome == "cancelled"


async def test_step_mode_pauses_after_a_failed_attempt_until_continue(make_app, docker_sandbox):
    app = make_app([FAILING, PASSING], docker_sandbox)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await submit(pilot)
        await wait_until(pilot, lambda: app.paused_after == 1)
        assert statuses(app) == [(1, "model", "error")]
        assert "paused after attempt 1" in app.query_one("StatusBar").progress_text
        await pilot.press("f9")
        await settle(pilot)
        assert statuses(app) == [(1, "model", "error"), (2, "model", "ok")]


async def test_markup_and_escapes_in_program_output_show_literally(make_app, docker_sandbox):
    hostile = Script(fenced("print('[bold red]boom[/] \\x1b[31mred\\x1b[0m [link=x]y[/link]')"),
                     reasoning="[blink]thinking[/blink]")
    app = make_app([hostile], docker_sandbox, max_debug_attempts=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await submit(pilot)
        await settle(pilot)
        output = app.query_one(OutputLog)
        line = next(text for kind, text in output.lines if kind == "stdout")
        assert line == "[bold red]boom[/] \\x1b[31mred\\x1b[0m [link=x]y[/link]"
        shown = "".join(segment.text for segment in output.render_line(1))
        assert shown.startswith("[bold red]boom[/] \\x1b[31mred")
        assert app.query_one("#reasoning").text == "[blink]thinking[/blink]"
