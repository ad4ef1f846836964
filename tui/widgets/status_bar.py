"""One line at the bottom: model, CPU/GPU, sandbox kind, progress, and the demo-model notice."""

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from core.llm.base import ModelInfo


class StatusBar(Static):
    """Renders the app's status; every field is plain text, never markup."""

    model_text: reactive[str] = reactive("model: loading…")
    sandbox_text: reactive[str] = reactive("sandbox: opening…")
    progress_text: reactive[str] = reactive("idle")
    demo: reactive[bool] = reactive(False)

    def set_model(self, info: ModelInfo) -> None:
        device = "GPU" if info.on_gpu else "CPU"
        self.model_text = f"model: {info.name} ({device})"
        self.demo = info.is_demo

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.demo:
            text.append(" DEMO MODEL ", style="bold reverse yellow")
            text.append(" ")
        text.append(self.model_text)
        text.append("  │  ", style="dim")
        text.append(self.sandbox_text)
        text.append("  │  ", style="dim")
        text.append(self.progress_text, style="bold")
        return text
