"""A test-double ModelBackend that answers from a script (never shipped in core/)."""

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from core.cancel import CancelToken
from core.errors import ModelError
from core.llm.base import Delta, Message, ModelInfo, SamplingParams, Usage


@dataclass(frozen=True)
class Answer:
    """One scripted reply. `hold_after` > 0: after that many answer chunks, wait (up to
    hold_seconds) until the cancel token is set, as a long generation would."""

    text: str
    reasoning: str = ""
    hold_after: int = 0
    hold_seconds: float = 30.0
    finish_reason: str = "stop"
    error: str | None = None  # raise ModelError with this message instead of answering


def fenced(code: str, tag: str = "python") -> str:
    return f"Here is the program.\n\n```{tag}\n{code.rstrip()}\n```\n"


class ScriptedModel:
    """Yields scripted answers in order, in chunks of `chunk` characters, then a Usage."""

    def __init__(self, answers: Sequence[Answer | str], context_size: int = 8192, chunk: int = 16,
                 name: str = "scripted") -> None:
        self.answers = [a if isinstance(a, Answer) else Answer(a) for a in answers]
        self.context_size = context_size
        self.chunk = chunk
        self.name = name
        self.conversations: list[list[Message]] = []
        self.started = threading.Event()  # set when a stream begins (for cancel tests)
        self.closed = False

    def info(self) -> ModelInfo:
        return ModelInfo(name=self.name, path="<scripted>", architecture="scripted",
                         context_size=self.context_size, on_gpu=False, backend="scripted")

    def count_tokens(self, conversation: Sequence[Message]) -> int:
        return sum(len(m.content) // 4 + 4 for m in conversation)

    def stream(self, conversation: Sequence[Message], params: SamplingParams,
               cancel: CancelToken) -> Iterator[Delta | Usage]:
        index = len(self.conversations)
        self.conversations.append(list(conversation))
        if index >= len(self.answers):
            raise AssertionError(f"the script has {len(self.answers)} answers; attempt {index + 1} asked")
        answer = self.answers[index]
        self.started.set()
        if answer.error is not None:
            raise ModelError(answer.error)
        start = time.perf_counter()
        prompt_tokens = self.count_tokens(conversation)
        if prompt_tokens > self.context_size:
            raise ModelError(f"the prompt ({prompt_tokens} tokens) does not fit the context")
        produced = 0
        finish = answer.finish_reason
        if answer.reasoning:
            yield Delta("reasoning", answer.reasoning)
        chunks = [answer.text[i:i + self.chunk] for i in range(0, len(answer.text), self.chunk)]
        for n, piece in enumerate(chunks):
            if answer.hold_after and n == answer.hold_after:
                cancel.wait(answer.hold_seconds)
            if cancel.cancelled:
                finish = "cancelled"
                break
            produced += 1
            yield Delta("answer", piece)
        elapsed = max(time.perf_counter() - start, 1e-6)
        yield Usage(prompt_tokens=prompt_tokens, prompt_tokens_evaluated=prompt_tokens,
                    completion_tokens=produced, time_to_first_token_s=0.0,
                    tokens_per_second=produced / elapsed, total_seconds=elapsed, finish_reason=finish)

    def close(self) -> None:
        self.closed = True
