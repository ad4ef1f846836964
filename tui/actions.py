"""Every user action in one table: its key (shown in the footer), its command-palette name and
its line on the help screen all come from here, so none can be missing from the others."""

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class ActionSpec:
    key: str        # Textual key name(s), comma-separated; the first is shown
    action: str     # app action name, without "action_"
    label: str      # short footer label
    palette: str    # command palette name, "group: Verb"
    help: str       # one help-screen line


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("f1,question_mark", "help", "Help", "app: Help",
               "Show this help screen."),
    ActionSpec("f5", "run_task", "Run", "task: Run",
               "Start a new session with the task, language and attempt limit above."),
    ActionSpec("f10,ctrl+g", "cancel", "Cancel", "session: Cancel",
               "Stop the generation or program run in progress now."),
    ActionSpec("f6", "rerun_edited", "Run edit", "attempt: Run edited code",
               "Run the code pane's text in the sandbox as a new manual attempt."),
    ActionSpec("f7", "fix_from_here", "Fix", "attempt: Fix from here",
               "Send the selected attempt and its error to the model and continue from there."),
    ActionSpec("f3", "show_diff", "Diff", "attempt: Diff with previous",
               "Show what changed in the selected attempt's code against the attempt before it."),
    ActionSpec("f8", "toggle_step_mode", "Step", "session: Toggle step mode",
               "Pause after every failed attempt (on/off)."),
    ActionSpec("f9", "proceed", "Continue", "session: Continue",
               "In step mode: go on with the next attempt."),
    ActionSpec("f4", "show_prompt", "Prompt", "attempt: Show prompt",
               "Show the prompt the model was given for the selected attempt."),
    ActionSpec("f2", "open_session", "Sessions", "session: Open past session",
               "Browse the sessions saved in the output folder and open one."),
    ActionSpec("ctrl+s", "save_code", "Save", "attempt: Save code to file",
               "Write the code pane's text to a file you name."),
    ActionSpec("ctrl+r", "toggle_reasoning", "Reasoning", "view: Toggle reasoning pane",
               "Show or hide the model's reasoning pane."),
)


def bindings() -> list[Binding]:
    """App bindings for every action. F-keys and ctrl keys are priority bindings so they work
    while typing in the task or code pane; `?` only when no text field has focus."""
    result = []
    for spec in ACTIONS:
        for index, key in enumerate(spec.key.split(",")):
            printable = len(key) == 1 or key == "question_mark"
            result.append(Binding(key, spec.action, spec.label, show=index == 0,
                                  priority=not printable))
    return result


def key_display(spec: ActionSpec) -> str:
    names = {"question_mark": "?"}
    return " / ".join(names.get(k, k.replace("ctrl+", "^").upper() if k.startswith("ctrl+") else k.upper())
                      for k in spec.key.split(","))
