"""A test double for core.llm.base.ModelBackend: plays back scripted answers as a stream.

Each call to stream() plays the next script: reasoning deltas, then answer deltas, a few
characters at a time with a small delay (so the UI sees a live stream), then one Usage. It stops
within one delta of the cancel token. When the scripts run out the last one repeats.
"""

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from core.cancel import CancelToken
from core.errors import ModelBusyError
from core.llm.base import Delta, Message, ModelInfo, SamplingParams, Usage


@dataclass(frozen=True)
class Script:
    answer: str
    reasoning: str = ""


def fenced(code: str, language: str = "python") -> str:
    """A model-style answer holding one code block."""
    return f"Here is the program.\n\n```{language}\n{code.rstrip()}\n```\n"


class ScriptedModel:
    """Streams `scripts` in order; `chunk` characters per delta, `delay_s` between deltas, or
    with `deltas_per_second` paced on a fixed schedule (a steady rate, whatever sleep costs)."""

    def __init__(self, scripts: Sequence[Script], *, chunk: int = 4, delay_s: float = 0.002,
                 deltas_per_second: float | None = None, is_demo: bool = False,
                 name: str = "scripted-test-model") -> None:
        self.scripts = list(scripts)
        self.chunk = chunk
        self.delay_s = delay_s
        self.deltas_per_second = deltas_per_second
        self.calls: list[list[Message]] = []
        self._is_demo = is_demo
        self._name = name
        self._lock = threading.Lock()
        self._busy = False
        self.started = threading.Event()  # set when a stream has yielded its first delta

    def info(self) -> ModelInfo:
        return ModelInfo(name=self._name, path="(scripted)", architecture="scripted",
                         context_size=32768, on_gpu=False, backend="llama", is_demo=self._is_demo)

    def count_tokens(self, conversation: Sequence[Message]) -> int:
        return sum(len(m.content) // 4 + 4 for m in conversation)

    def stream(self, conversation: Sequence[Message], params: SamplingParams,
               cancel: CancelToken) -> Iterator[Delta | Usage]:
        with self._lock:
            if self._busy:
                raise ModelBusyError("a generation is already running")
            self._busy = True
        try:
            index = min(len(self.calls), len(self.scripts) - 1)
            self.calls.append(list(conversation))
            yield from self._play(self.scripts[index], conversation, cancel)
        finally:
            with self._lock:
                self._busy = False

    def _play(self, script: Script, conversation: Sequence[Message],
              cancel: CancelToken) -> Iterator[Delta | Usage]:
        started = time.perf_counter()
        first: float | None = None
        produced = 0
        finish = "stop"
        for channel, text in (("reasoning", script.reasoning), ("answer", script.answer)):
            for start in range(0, len(text), self.chunk):
                if cancel.cancelled:
                    finish = "cancelled"
                    break
                if self.deltas_per_second:
                    wait = started + produced / self.deltas_per_second - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                elif self.delay_s:
                    time.sleep(self.delay_s)
                first = first if first is not None else time.perf_counter() - started
                produced += 1
                yield Delta(channel, text[start:start + self.chunk])  # type: ignore[arg-type]
                self.started.set()
            if finish == "cancelled":
                break
        total = time.perf_counter() - started
        prompt = self.count_tokens(conversation)
        yield Usage(prompt_tokens=prompt, prompt_tokens_evaluated=prompt, completion_tokens=produced,
                    time_to_first_token_s=first or 0.0, tokens_per_second=produced / total if total else 0.0,
                    total_seconds=total, finish_reason=finish)

    def close(self) -> None:
        pass
