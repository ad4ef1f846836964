"""Program output that can grow to hundreds of thousands of lines without slowing the UI.

A ScrollView that stores lines as (kind, text) and renders only the rows on screen (the Toolong
pattern). Appends are buffered and applied by `flush()`, which the app calls at most ~30 times a
second. Text is shown literally: control characters become visible `\\x1b` escapes and nothing is
parsed as markup. While the view is scrolled to the bottom it follows new output; scrolling up
stops following until the user returns to the end.
"""

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.textsafe import visible_controls

MAX_LINE_CHARS = 4000  # longer lines continue on the next row, so one huge line stays cheap


class OutputLog(ScrollView, can_focus=True):
    """Lines of program output, told apart by kind: stdout, stderr, compile, meta."""

    COMPONENT_CLASSES = {"output-log--stderr", "output-log--compile", "output-log--meta"}
    DEFAULT_CSS = """
    OutputLog { background: $surface; }
    OutputLog > .output-log--stderr { color: $text-error; }
    OutputLog > .output-log--compile { color: $text-warning; }
    OutputLog > .output-log--meta { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.lines: list[tuple[str, str]] = []
        self._open_line = False  # the last line has no newline yet and may grow
        self._pending: list[tuple[str, str]] = []
        self._width = 0

    @property
    def text(self) -> str:
        """Everything shown, as plain text (pending appends included)."""
        self.flush()
        return "\n".join(text for _, text in self.lines)

    def append(self, kind: str, text: str) -> None:
        """Queue output; it appears at the next flush()."""
        if text:
            self._pending.append((kind, text))

    def clear(self) -> None:
        self.lines.clear()
        self._pending.clear()
        self._open_line = False
        self._width = 0
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def flush(self) -> None:
        """Apply queued output in one step: one layout update, one repaint."""
        if not self._pending:
            return
        follow = self.scroll_y >= self.max_scroll_y
        pending, self._pending = self._pending, []
        for kind, text in pending:
            self._add(kind, visible_controls(text).expandtabs(8))
        self.virtual_size = Size(self._width, len(self.lines))
        if follow:
            self.scroll_end(animate=False, x_axis=False)
        self.refresh()

    def _add(self, kind: str, text: str) -> None:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if last and not piece:
                self._open_line = False
                break
            if self._open_line and index == 0 and self.lines and self.lines[-1][0] == kind:
                piece = self.lines.pop()[1] + piece
            while len(piece) > MAX_LINE_CHARS:
                self._push(kind, piece[:MAX_LINE_CHARS])
                piece = piece[MAX_LINE_CHARS:]
            self._push(kind, piece)
            self._open_line = last

    def _push(self, kind: str, text: str) -> None:
        self.lines.append((kind, text))
        self._width = max(self._width, len(text))

    def _style(self, kind: str) -> Style:
        if kind == "stdout":
            return self.rich_style
        return self.rich_style + self.get_component_rich_style(f"output-log--{kind}")

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        kind, text = self.lines[index]
        strip = Strip([Segment(text, self._style(kind))])
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)
