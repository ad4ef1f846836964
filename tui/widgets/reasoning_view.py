"""The model's reasoning (GPT-OSS analysis channel), streamed into a read-only wrapped pane."""

from textual.widgets import TextArea

from core.textsafe import visible_controls


class ReasoningView(TextArea):
    """Read-only, soft-wrapped reasoning text; appends are batched like the other panes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, read_only=True, soft_wrap=True, show_cursor=False)
        self._pending: list[str] = []

    def show(self, text: str) -> None:
        self._pending.clear()
        self.load_text(visible_controls(text))

    def append(self, text: str) -> None:
        self._pending.append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        chunk = visible_controls("".join(self._pending))
        self._pending.clear()
        self.insert(chunk, self.document.end, maintain_selection_offset=False)
        self.scroll_end(animate=False)
