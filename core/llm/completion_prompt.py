"""A plain-text prompt for a base model with no chat template (the embedded Gemma 270M).

A base model only continues text, so the conversation is laid out as a document of sections
that a code model has seen many times, ending where the next answer should begin. The answer
ends where the model starts a new section of its own (stop strings), after its first complete
fenced code block (the answer a code prompt asks for), or when it repeats one line over and
over (a base model's loop, which would otherwise run to max_tokens). The layout is the same for
every call, so a longer conversation shares its whole prefix with the shorter one and the KV
cache is reused.
"""

from collections.abc import Sequence

from core.llm.base import Message

_HEADINGS = {"system": "", "user": "### Task\n", "assistant": "### Answer\n"}
STOP_STRINGS = ("\n### Task", "\n### Answer", "\n### Feedback")


def render_completion_prompt(conversation: Sequence[Message], code_fence: str | None = None) -> str:
    """The document text; it ends with an open `### Answer` section for the model to write,
    with the code block already opened when `code_fence` names its tag."""
    parts: list[str] = []
    seen_user = False
    for message in conversation:
        heading = _HEADINGS[message.role]
        if message.role == "user" and seen_user:
            heading = "### Feedback\n"
        seen_user = seen_user or message.role == "user"
        parts.append(f"{heading}{message.content.strip()}\n\n")
    parts.append(_HEADINGS["assistant"] + answer_opening(code_fence))
    return "".join(parts)


def answer_opening(code_fence: str | None) -> str:
    """The start of the answer the prompt writes for the model (and the answer then begins with)."""
    return f"```{code_fence}\n" if code_fence else ""


class CompletionAnswer:
    """The answer to a completion prompt as it streams: the opening the prompt wrote, then the
    model's text until a stop string (StopStringFilter) or the end of the answer (AnswerEnd)."""

    def __init__(self, code_fence: str | None = None) -> None:
        self._stops = StopStringFilter(STOP_STRINGS)
        self._end = AnswerEnd()
        # Fed first, like the model's own text: AnswerEnd must see the block it opens.
        self.opening = answer_opening(code_fence)

    @property
    def stopped(self) -> bool:
        return self._stops.stopped or self._end.stopped

    def feed(self, text: str) -> str:
        return self._end.feed(self._stops.feed(text))

    def finish(self) -> str:
        """What was held back as a possible stop string, once the stream has ended."""
        return self._end.feed(self._stops.finish())


class StopStringFilter:
    """Passes streamed text through until a stop string appears; never emits part of one."""

    def __init__(self, stops: Sequence[str]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        buffer = self._held + text
        cut = min((i for i in (buffer.find(s) for s in self._stops) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped, self._held = True, ""
            return buffer[:cut]
        keep = max((_overlap(buffer, s) for s in self._stops), default=0)
        self._held = buffer[len(buffer) - keep:] if keep else ""
        return buffer[: len(buffer) - keep]

    def finish(self) -> str:
        held, self._held = self._held, ""
        return "" if self.stopped else held


def _overlap(text: str, stop: str) -> int:
    """Length of the longest end of `text` that is a proper start of `stop`."""
    for length in range(min(len(text), len(stop) - 1), 0, -1):
        if text.endswith(stop[:length]):
            return length
    return 0


class AnswerEnd:
    """Ends a completion after its first closed ``` block, or inside a loop: one line repeated
    `max_repeats` times in a row, or a long line seen `max_repeats` times in all (a loop of a
    whole paragraph)."""

    LONG_LINE = 24
    RUNAWAY_LINE = 2000  # characters: a base model looping inside one line

    def __init__(self, max_repeats: int = 16) -> None:
        self._max_repeats = max_repeats
        self._seen: dict[str, int] = {}
        self._line = ""
        self._previous: str | None = None
        self._repeats = 0
        self._in_block = False
        self.stopped = False

    def feed(self, text: str) -> str:
        """The part of `text` that belongs to the answer (all of it until the end is seen)."""
        if self.stopped:
            return ""
        for index, char in enumerate(text):
            if char != "\n":
                self._line += char
                if len(self._line) >= self.RUNAWAY_LINE:
                    self.stopped = True
                    return text[:index + 1]
                continue
            if self._end_of_line(self._line):
                self.stopped = True
                return text[:index + 1]
            self._line = ""
        return text

    def _end_of_line(self, line: str) -> bool:
        stripped = line.strip()
        if stripped.startswith("```"):
            if self._in_block and stripped == "```":
                return True
            self._in_block = not self._in_block
        if stripped and stripped == self._previous:
            self._repeats += 1
        else:
            self._previous, self._repeats = stripped, 1
        if len(stripped) >= self.LONG_LINE:
            self._seen[stripped] = self._seen.get(stripped, 0) + 1
            if self._seen[stripped] >= self._max_repeats:
                return True
        return bool(stripped) and self._repeats >= self._max_repeats
