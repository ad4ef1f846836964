"""The code of the selected attempt: editable, highlighted, with line numbers.

While the model writes, its answer streams in (appended in batches by the app's flush timer, so
the document is re-highlighted at most ~30 times a second). When the code block is extracted the
text is replaced in one edit and the undo history cleared, so streaming leaves nothing to undo.
"""

from textual.widgets import TextArea

from tui.syntax import textarea_language


class CodeView(TextArea):
    """The selected attempt's code; the user may edit it and run the edit as a new attempt."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, show_line_numbers=True, tab_behavior="indent",
                         soft_wrap=False)
        self._pending: list[str] = []
        self.loaded_text = ""
        self._language_name: str | None = None

    def set_code_language(self, language_name: str) -> None:
        """Highlight as `language_name` (a core.languages name); plain text when impossible."""
        if language_name != self._language_name:
            self._language_name = language_name
            self.language = textarea_language(self, language_name)

    def show(self, text: str) -> None:
        """Replace the whole text, leaving no undo history; remembers it to tell edits apart.

        An edit of the whole document rather than `load_text`: load_text rebuilds the document
        and recompiles the highlight query (~30-80 ms here), an edit only re-highlights."""
        self._pending.clear()
        self.loaded_text = text
        self.replace(text, (0, 0), self.document.end, maintain_selection_offset=False)
        self.history.clear()
        self.move_cursor((0, 0))

    @property
    def edited(self) -> bool:
        return self.text != self.loaded_text

    def accept_edits(self) -> None:
        """Treat the current text as loaded (after it was handed to the engine)."""
        self.loaded_text = self.text

    def append(self, text: str) -> None:
        """Queue streamed text; it appears at the next flush()."""
        self._pending.append(text)

    def flush(self) -> None:
        if not self._pending:
            return
        chunk = "".join(self._pending)
        self._pending.clear()
        self.insert(chunk, self.document.end, maintain_selection_offset=False)
        self.loaded_text = self.text
        self.scroll_cursor_visible()
