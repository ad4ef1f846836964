"""F4: the conversation the model was given for the selected attempt, shown literally."""

from rich.text import Text
from textual.binding import Binding

from core.textsafe import visible_controls
from tui.widgets.text_screen import TextScreen


def prompt_text(messages: list[dict[str, str]]) -> Text:
    text = Text()
    if not messages:
        text.append("This attempt had no model prompt (a manual edit, or not sent yet).",
                    style="italic")
    for message in messages:
        text.append(f"── {message.get('role', '?')} ──\n", style="bold cyan")
        text.append(visible_controls(message.get("content", "")) + "\n\n")
    return text


class PromptScreen(TextScreen):
    """Modal prompt view; Escape, F4 or q closes it."""

    BINDINGS = [Binding("escape,f4,q", "dismiss", "Close")]

    def __init__(self, messages: list[dict[str, str]], title: str) -> None:
        super().__init__(prompt_text(messages), title, "prompt")
