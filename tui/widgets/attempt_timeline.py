"""One row per attempt: number, origin, status icon, duration, tokens/s. Selecting a row picks
the attempt every other pane shows."""

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.attempt_view import ORIGIN_LABELS, AttemptView


class AttemptTimeline(DataTable):
    """The attempts of the session on screen; the highlighted row is the selected attempt."""

    class Selected(Message):
        """The user (or the app) moved the selection to attempt `number`."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cell_padding=0)

    def on_mount(self) -> None:
        self.add_column(" #", key="number", width=3)
        self.add_column(" from", key="origin", width=6)
        self.add_column("", key="status", width=2)
        self.add_column("  time", key="time", width=6)
        self.add_column(" tok/s", key="speed", width=6)

    def upsert(self, attempt: AttemptView) -> None:
        """Add the attempt's row or refresh its cells."""
        key = str(attempt.number)
        cells = row_cells(attempt)
        if key in self.rows:
            for column, value in zip(("number", "origin", "status", "time", "speed"), cells, strict=True):
                self.update_cell(key, column, value)
        else:
            self.add_row(*cells, key=key)

    def select(self, number: int) -> None:
        key = str(number)
        if key in self.rows:
            self.move_cursor(row=self.get_row_index(key), animate=False)

    @property
    def selected_number(self) -> int | None:
        if not self.row_count:
            return None
        return int(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Selected(int(event.row_key.value)))


def row_cells(attempt: AttemptView) -> tuple[Text, ...]:
    style = {"ok": "bold green", "generating": "cyan", "running": "cyan"}.get(attempt.status, "red")
    time = "" if attempt.total_s is None else f"{attempt.total_s:.1f}s"
    speed = "" if attempt.tokens_per_second is None else f"{attempt.tokens_per_second:.0f}"
    return (Text(str(attempt.number), justify="right"), Text(" " + ORIGIN_LABELS.get(attempt.origin, attempt.origin)),
            Text(" " + attempt.icon, style=style), Text(time, justify="right"), Text(speed, justify="right"))
