"""F2: the sessions saved under the output folder, newest first; Enter opens one."""

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from core.history import SessionSummary


class SessionBrowser(ModalScreen[Path | None]):
    """Pick a past session; dismisses with its folder, or None on Escape."""

    BINDINGS = [Binding("escape,f2", "dismiss", "Close")]

    def __init__(self, sessions: list[SessionSummary], output_root: Path) -> None:
        super().__init__()
        self._sessions = list(reversed(sessions))
        self._output_root = output_root

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-body") as body:
            body.border_title = f"Past sessions in {self._output_root}"
            body.border_subtitle = "Enter opens · Esc closes"
            if not self._sessions:
                yield Static(Text(f"No sessions saved in {self._output_root} yet."))
            yield DataTable(id="sessions-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("started", "", "tries", "lang", "task")
        for index, summary in enumerate(self._sessions):
            mark = Text("✔", style="green") if summary.success else Text("✘", style="red")
            task = " ".join(summary.task.split())
            table.add_row(Text(summary.started_at[:19].replace("T", " ")), mark,
                          Text(str(summary.attempts), justify="right"), Text(summary.language),
                          Text(task[:200]), key=str(index))
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(self._sessions[int(event.row_key.value)].path)
