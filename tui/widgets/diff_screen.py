"""F3: the selected attempt's code against the attempt before it (a unified diff)."""

import difflib

from rich.text import Text
from textual.binding import Binding

from core.textsafe import visible_controls
from tui.widgets.text_screen import TextScreen


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> Text:
    """A coloured unified diff as Rich Text (code shown literally, never as markup)."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name,
                                      lineterm=""))
    text = Text()
    if not lines:
        text.append("The two attempts have the same code.", style="italic")
        return text
    for line in lines:
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        text.append(visible_controls(line) + "\n", style=style)
    return text


class DiffScreen(TextScreen):
    """Modal diff view; Escape, F3 or q closes it."""

    BINDINGS = [Binding("escape,f3,q", "dismiss", "Close")]

    def __init__(self, diff: Text, title: str) -> None:
        super().__init__(diff, title, "diff")
