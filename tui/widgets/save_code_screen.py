"""Ctrl+S: ask where to save the code pane's text."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class SaveCodeScreen(ModalScreen[str | None]):
    """Dismisses with the path typed (Enter) or None (Escape)."""

    BINDINGS = [Binding("escape", "dismiss", "Cancel")]

    def __init__(self, suggested: str) -> None:
        super().__init__()
        self._suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(id="save-body") as body:
            body.border_title = "Save code"
            body.border_subtitle = "Enter saves · Esc cancels"
            yield Label("File:")
            yield Input(self._suggested, id="save-path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)
