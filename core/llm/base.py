"""The ModelBackend protocol and the records that flow out of a generation."""

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

from core.cancel import CancelToken

Role = Literal["system", "user", "assistant"]
Channel = Literal["reasoning", "answer"]
ReasoningEffort = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class SamplingParams:
    """None means: the model's recommended value (GPT-OSS: temperature 1.0, top_p 1.0)."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int = 2048
    seed: int | None = None
    reasoning_effort: ReasoningEffort = "medium"
    # The fence tag the answer's code block uses ("python"). A base model with no chat template
    # gets the block opened for it, so it writes code instead of prose; chat models ignore it.
    code_fence: str | None = None


@dataclass(frozen=True)
class Delta:
    """A piece of streamed text. `reasoning` is never executed; `answer` may hold code."""

    channel: Channel
    text: str


@dataclass(frozen=True)
class Usage:
    """The last item of every stream."""

    prompt_tokens: int
    prompt_tokens_evaluated: int  # prompt_tokens minus those reused from the KV cache
    completion_tokens: int
    time_to_first_token_s: float
    tokens_per_second: float
    total_seconds: float
    finish_reason: str  # "stop", "length", "cancelled"

    @property
    def prompt_tokens_reused(self) -> int:
        return self.prompt_tokens - self.prompt_tokens_evaluated

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    architecture: str
    context_size: int
    on_gpu: bool
    backend: str          # "llama" or "openai"
    is_demo: bool = False  # the embedded Gemma 270M base model

    def to_dict(self) -> dict:
        return asdict(self)


class ModelBackend(Protocol):
    """A loaded model that turns a conversation into streamed deltas."""

    def info(self) -> ModelInfo:
        """Name, architecture, context size, GPU use. Never blocks."""

    def count_tokens(self, conversation: Sequence[Message]) -> int:
        """Prompt tokens the conversation will take (chat template included)."""

    def stream(
        self, conversation: Sequence[Message], params: SamplingParams, cancel: CancelToken
    ) -> Iterator[Delta | Usage]:
        """Yield Delta items as tokens are made, then exactly one Usage. Stops within one
        token of `cancel` (finish_reason "cancelled"). Raises ModelBusyError when another
        generation is running, ModelError when the prompt does not fit the context."""

    def close(self) -> None:
        """Free the weights. Safe to call twice."""
