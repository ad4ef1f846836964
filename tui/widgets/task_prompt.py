"""The task: a multi-line prompt, the target language and the attempt limit beside it."""

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, TextArea

from core.languages import LANGUAGES


class TaskPrompt(Horizontal):
    """What to build; `Submitted` is posted when the Run button is pressed."""

    class Submitted(Message):
        """The user asked to run the task as entered."""

    def __init__(self, language: str, max_attempts: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._language = language
        self._max_attempts = max_attempts

    def compose(self) -> ComposeResult:
        task = TextArea(id="task-input", soft_wrap=True, show_line_numbers=False, compact=True)
        task.border_title = "Task"
        task.placeholder = "Describe the program to write, then press F5"
        yield task
        with Vertical(id="task-options"):
            yield Select([(lang.display_name, lang.name) for lang in LANGUAGES], value=self._language,
                         allow_blank=False, id="task-language", compact=True)
            with Horizontal(id="task-attempts-row"):
                yield Label("attempts", id="task-attempts-label")
                yield Input(str(self._max_attempts), type="integer", id="task-attempts",
                            compact=True, max_length=3)
            yield Button("Run  F5", id="task-run", variant="primary", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Submitted())

    @property
    def task_text(self) -> str:
        return self.query_one("#task-input", TextArea).text.strip()

    @task_text.setter
    def task_text(self, text: str) -> None:
        self.query_one("#task-input", TextArea).load_text(text)

    @property
    def language(self) -> str:
        return str(self.query_one("#task-language", Select).value)

    @language.setter
    def language(self, name: str) -> None:
        self.query_one("#task-language", Select).value = name

    @property
    def max_attempts(self) -> int | None:
        """The attempt limit typed, or None when it is not a positive whole number."""
        raw = self.query_one("#task-attempts", Input).value.strip()
        return int(raw) if raw.isdigit() and int(raw) > 0 else None
