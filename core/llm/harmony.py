"""Incremental parser of GPT-OSS "harmony" output: `analysis` is reasoning, `final` is the answer.

The model writes messages like

    <|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…<|return|>

(the prompt already ends with `<|start|>assistant`, so the first header often lacks it). Text
arrives in arbitrary chunks, so a marker may be split anywhere; the parser holds back only what
could still become a marker. Markup never reaches either channel. Rules:

- `final` → answer; `analysis`, `commentary` and any other channel → reasoning (never executed);
  a header without a channel → answer.
- Bare text outside any message (a model or server that does not speak harmony) → answer.
- A message ends at `<|end|>`, `<|return|>`, `<|call|>`, or when a new header starts; a final
  message cut off without `<|return|>` keeps everything that arrived.
- Unknown `<|name|>` tokens are dropped; `<|` that cannot become a marker is ordinary text.
"""

import re
from collections.abc import Iterable

from core.llm.base import Channel, Delta

_MARKER = re.compile(r"<\|([a-z0-9_]{1,40})\|>")
_MARKER_PREFIX = re.compile(r"<(?:\|[a-z0-9_]{0,40}(?:\|)?)?\Z")
_STOP_MARKERS = frozenset({"return", "call"})
_END_MARKERS = frozenset({"end", "return", "call", "endoftext"})

_HEADER, _BODY, _OUTSIDE = "header", "body", "outside"


def channel_of(header: str) -> Channel:
    """The Delta channel for a message header such as `assistant<|channel|>final`."""
    _, sep, rest = header.partition("<|channel|>")
    if not sep:
        return "answer"
    name = rest.split("<|", 1)[0].split()
    return "answer" if name and name[0] == "final" else "reasoning"


class HarmonyParser:
    """Feed streamed text; get Delta items back. Call `finish()` once at the end."""

    def __init__(self) -> None:
        self._state = _OUTSIDE
        self._pending = ""  # text not yet classified: may be the start of a marker
        self._header = ""
        self._channel: Channel = "answer"
        self._blank = ""  # whitespace outside a message: kept only if bare text follows
        self.stopped = False  # saw <|return|> or <|call|>: the model is done

    def feed(self, text: str) -> list[Delta]:
        out: list[tuple[Channel, str]] = []
        buffer = self._pending + text
        self._pending = ""
        position = 0
        while position < len(buffer):
            start = buffer.find("<", position)
            if start < 0:
                self._emit_text(buffer[position:], out)
                break
            self._emit_text(buffer[position:start], out)
            match = _MARKER.match(buffer, start)
            if match:
                self._on_marker(match.group(1))
                position = match.end()
            elif _MARKER_PREFIX.match(buffer, start):
                self._pending = buffer[start:]
                break
            else:
                self._emit_text("<", out)
                position = start + 1
        return _merge(out)

    def finish(self) -> list[Delta]:
        """Flush what was held back: a partial marker at the very end is ordinary text."""
        out: list[tuple[Channel, str]] = []
        if self._pending:
            pending, self._pending = self._pending, ""
            self._emit_text(pending, out)
        self._header = self._blank = ""
        return _merge(out)

    def _emit_text(self, text: str, out: list[tuple[Channel, str]]) -> None:
        if not text:
            return
        if self._state == _HEADER:
            self._header += text
        elif self._state == _BODY:
            out.append((self._channel, text))
        elif text.strip():
            self._state, self._channel = _BODY, "answer"
            out.append(("answer", self._blank + text))
            self._blank = ""
        else:
            self._blank += text

    def _on_marker(self, name: str) -> None:
        self._blank = ""
        if name == "start":
            self._state, self._header = _HEADER, ""
        elif name == "channel":
            if self._state != _HEADER:
                self._state, self._header = _HEADER, ""
            self._header += "<|channel|>"
        elif name == "constrain":
            if self._state == _HEADER:
                self._header += " "
        elif name == "message":
            if self._state == _HEADER:
                self._channel = channel_of(self._header)
                self._header = ""
            self._state = _BODY
        elif name in _END_MARKERS:
            self._state, self._header = _OUTSIDE, ""
            if name in _STOP_MARKERS:
                self.stopped = True


def _merge(items: Iterable[tuple[Channel, str]]) -> list[Delta]:
    merged: list[Delta] = []
    for channel, text in items:
        if merged and merged[-1].channel == channel:
            merged[-1] = Delta(channel, merged[-1].text + text)
        else:
            merged.append(Delta(channel, text))
    return merged


def split_harmony(text: str) -> tuple[str, str]:
    """(reasoning, answer) of a complete harmony text."""
    parser = HarmonyParser()
    deltas = parser.feed(text) + parser.finish()
    reasoning = "".join(d.text for d in deltas if d.channel == "reasoning")
    answer = "".join(d.text for d in deltas if d.channel == "answer")
    return reasoning, answer
