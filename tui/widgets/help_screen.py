"""F1 / ?: every action with its key, and how to get the real model when the demo one runs."""

from rich.text import Text
from textual.binding import Binding

from tui.actions import ACTIONS, key_display
from tui.widgets.text_screen import TextScreen

DEMO_MODEL_HELP = (
    "You are using the embedded demo model (Gemma 3 270M): it shows the whole pipeline working "
    "but writes poor code. For real results use GPT-OSS-20B: run `assistant model pull "
    "gpt-oss-20b` (11.3 GiB), or put gpt-oss-20b-mxfp4.gguf in model/ and set model.path in "
    "config.yaml. A local OpenAI-compatible server works too (model.backend: openai)."
)


def help_text(demo: bool) -> Text:
    text = Text()
    text.append("Keys\n\n", style="bold")
    width = max(len(key_display(spec)) for spec in ACTIONS)
    for spec in ACTIONS:
        text.append(f"  {key_display(spec):<{width}}  ", style="bold cyan")
        text.append(f"{spec.help}\n")
    text.append(f"  {'^P':<{width}}  ", style="bold cyan")
    text.append("Command palette: every action above by name.\n")
    text.append(f"  {'^Q':<{width}}  ", style="bold cyan")
    text.append("Quit.\n\n")
    text.append("Select an attempt in the timeline (arrows or mouse) to see its code, output, "
                "reasoning and verdict. Edit the code and press F6 to run your version; F7 then "
                "asks the model to continue from it.\n")
    if demo:
        text.append("\nDemo model\n\n", style="bold")
        text.append(DEMO_MODEL_HELP + "\n")
    return text


class HelpScreen(TextScreen):
    """Modal help; Escape, F1 or q closes it."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, demo: bool) -> None:
        super().__init__(help_text(demo), "Help", "help")
