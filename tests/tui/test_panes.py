"""The streaming panes and the bridge on their own: no text lost, nothing interpreted."""

import subprocess
import sys
import threading

import pytest
from textual.app import App, ComposeResult
from textual.widgets import TextArea

from core.events import Notice
from core.languages import LANGUAGES
from tui.bridge import EngineBridge, EngineEventsReady
from tui.syntax import textarea_language
from tui.widgets.output_log import MAX_LINE_CHARS, OutputLog

pytestmark = pytest.mark.anyio


class OutputApp(App[None]):
    def compose(self) -> ComposeResult:
        yield OutputLog(id="log")


async def test_output_log_keeps_every_line_and_tells_streams_apart():
    async with OutputApp().run_test(size=(60, 10)) as pilot:
        log = pilot.app.query_one(OutputLog)
        for n in range(10_000):
            log.append("stdout", f"line {n}\n")
        log.append("stderr", "Traceback: boom\n")
        log.flush()
        await pilot.pause()
        assert len(log.lines) == 10_001
        assert log.lines[9_999] == ("stdout", "line 9999")
        assert log.lines[-1] == ("stderr", "Traceback: boom")
        assert log.scroll_y == log.max_scroll_y  # it follows the end


async def test_output_log_joins_chunks_split_mid_line():
    async with OutputApp().run_test(size=(60, 10)) as pilot:
        log = pilot.app.query_one(OutputLog)
        for chunk in ("hel", "lo wor", "ld\nsecond", " line\n"):
            log.append("stdout", chunk)
        log.flush()
        assert [text for _, text in log.lines] == ["hello world", "second line"]


async def test_output_log_shows_escapes_and_markup_as_plain_characters():
    async with OutputApp().run_test(size=(60, 10)) as pilot:
        log = pilot.app.query_one(OutputLog)
        log.append("stdout", "\x1b[2J[bold]x[/bold]\x07\n")
        log.flush()
        await pilot.pause()
        assert log.lines[0][1] == "\\x1b[2J[bold]x[/bold]\\x07"
        assert "".join(s.text for s in log.render_line(0)).startswith("\\x1b[2J[bold]x[/bold]")


async def test_output_log_splits_a_huge_line_into_rows():
    async with OutputApp().run_test(size=(60, 10)) as pilot:
        log = pilot.app.query_one(OutputLog)
        log.append("stdout", "x" * (MAX_LINE_CHARS * 2 + 5))
        log.flush()
        assert [len(t) for _, t in log.lines] == [MAX_LINE_CHARS, MAX_LINE_CHARS, 5]


def test_bridge_delivers_events_in_order_with_one_wake_up_per_batch():
    posted = []
    bridge = EngineBridge(posted.append)
    threads = [threading.Thread(target=lambda i=i: [bridge.emit(Notice("info", f"{i}-{n}"))
                                                    for n in range(500)]) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = bridge.take()
    assert len(events) == 2000
    for i in range(4):
        mine = [e.text for e in events if e.text.startswith(f"{i}-")]
        assert mine == [f"{i}-{n}" for n in range(500)]
    assert len(posted) == 1 and isinstance(posted[0], EngineEventsReady)
    bridge.emit(Notice("info", "after"))
    assert len(posted) == 2


def test_every_supported_language_is_highlighted_in_the_code_pane():
    area = TextArea()
    for language in LANGUAGES:
        assert textarea_language(area, language.name) is not None, language.name


def test_the_javascript_and_typescript_queries_leave_tree_sitter_memory_intact():
    """py-tree-sitter 0.26 corrupts memory on `(#is-not? local)`; the registered queries drop it.
    Run in a child process: the corruption shows up as a later segfault."""
    script = (
        "from textual.widgets import TextArea\n"
        "from tui.syntax import textarea_language\n"
        "area = TextArea()\n"
        "for name in ('javascript', 'typescript', 'c', 'cpp'):\n"
        "    area.language = textarea_language(area, name)\n"
        "    area.load_text('const x: number = 1; // ok')\n"
        "junk = [str(i) * 10 for i in range(300000)]\n"
        "import json, email, http.client, asyncio\n"
        "print('intact')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "intact" in result.stdout, result.stderr[-2000:]
