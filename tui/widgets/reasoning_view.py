"""The model's reasoning (GPT-OSS analysis channel): streamed prose, soft-wrapped, read-only.

Not a TextArea: a TextArea re-renders a whole logical line for each screen row it wraps onto, so
one long reasoning paragraph (thousands of characters, streamed for seconds) stalls the event loop.
Here the text is kept as paragraphs wrapped to the pane's width; a flush re-wraps only the
paragraph still being written, and only the rows on screen are rendered.
"""

import textwrap

from rich.segment import Segment
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from core.textsafe import visible_controls


def wrap_paragraph(paragraph: str, width: int) -> list[str]:
    return textwrap.wrap(paragraph, width=max(width, 8), replace_whitespace=False,
                         drop_whitespace=True, break_long_words=True, break_on_hyphens=False) or [""]


class ReasoningView(ScrollView, can_focus=True):
    """Wrapped reasoning text that follows the end while it streams."""

    DEFAULT_CSS = "ReasoningView { background: $surface; color: $text-muted; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._paragraphs: list[str] = [""]
        self._rows: list[str] = []        # wrapped rows of every paragraph but the last
        self._open_rows: list[str] = []   # wrapped rows of the last (still growing) paragraph
        self._pending: list[str] = []
        self._wrap_width = 0

    @property
    def text(self) -> str:
        self.flush()
        return "\n".join(self._paragraphs)

    def show(self, text: str) -> None:
        self._pending.clear()
        self._paragraphs = visible_controls(text).expandtabs(4).split("\n")
        self._rewrap()

    def append(self, text: str) -> None:
        if text:
            self._pending.append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        chunk = visible_controls("".join(self._pending)).expandtabs(4)
        self._pending.clear()
        follow = self.scroll_y >= self.max_scroll_y
        pieces = chunk.split("\n")
        self._paragraphs[-1] += pieces[0]
        width = self._width()
        for piece in pieces[1:]:
            self._rows += wrap_paragraph(self._paragraphs[-1], width)
            self._paragraphs.append(piece)
        self._open_rows = wrap_paragraph(self._paragraphs[-1], width)
        self._resize_virtual(follow)

    def _width(self) -> int:
        return self.scrollable_content_region.width or 40

    def _rewrap(self) -> None:
        width = self._width()
        self._wrap_width = width
        self._rows = [row for p in self._paragraphs[:-1] for row in wrap_paragraph(p, width)]
        self._open_rows = wrap_paragraph(self._paragraphs[-1], width)
        self._resize_virtual(follow=False)

    def _resize_virtual(self, follow: bool) -> None:
        self.virtual_size = Size(self._width(), len(self._rows) + len(self._open_rows))
        if follow:
            self.scroll_end(animate=False, x_axis=False)
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        if self._width() != self._wrap_width:
            self._rewrap()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index < len(self._rows):
            row = self._rows[index]
        elif index - len(self._rows) < len(self._open_rows):
            row = self._open_rows[index - len(self._rows)]
        else:
            return Strip.blank(width, self.rich_style)
        return Strip([Segment(row, self.rich_style)]).crop_extend(0, width, self.rich_style)
