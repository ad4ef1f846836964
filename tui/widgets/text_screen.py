"""A modal that shows one block of Rich Text in a titled, scrolling box (help, diff, prompt)."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class TextScreen(ModalScreen[None]):
    """`#<id_prefix>-body` holds `#<id_prefix>-text`; subclasses add the keys that close it."""

    def __init__(self, text: Text, title: str, id_prefix: str) -> None:
        super().__init__()
        self._text = text
        self._title = title
        self._id_prefix = id_prefix

    def compose(self) -> ComposeResult:
        with VerticalScroll(id=f"{self._id_prefix}-body") as body:
            body.border_title = self._title
            body.border_subtitle = "Esc closes"
            yield Static(self._text, id=f"{self._id_prefix}-text")
