"""The ModelBackend protocol and the records that flow out of a generation."""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Literal, Protocol

from core.cancel import CancelToken

Role = Literal["system", "user", "assistant"]
Channel = Literal["reasoning", "answer"]
ReasoningEffort = Literal["low", "medium", "high"]
ProgressCallback = Callable[[str, float], None]  # (message, fraction done) while a model loads


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
class Sampling:
    """Resolved sampling values handed to the model."""

    temperature: float
    top_p: float
    top_k: int
    min_p: float


def recommended_sampling(gpt_oss: bool, params: SamplingParams) -> Sampling:
    """The model card's values where params leave them open (None)."""
    if gpt_oss:  # GPT-OSS model card: temperature 1.0, top_p 1.0, no other truncation
        base = Sampling(temperature=1.0, top_p=1.0, top_k=0, min_p=0.0)
    else:
        base = Sampling(temperature=0.2, top_p=0.95, top_k=40, min_p=0.05)
    return Sampling(
        temperature=base.temperature if params.temperature is None else params.temperature,
        top_p=base.top_p if params.top_p is None else params.top_p,
        top_k=base.top_k if params.top_k is None else params.top_k,
        min_p=base.min_p,
    )


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

    @classmethod
    def measured(cls, *, prompt_tokens: int, prompt_tokens_evaluated: int, completion_tokens: int,
                 started: float, first_token_at: float | None, ended: float, finish_reason: str) -> "Usage":
        """The figures from perf_counter readings; tokens/s counts the tokens after the first."""
        first = first_token_at or ended
        decode = ended - first
        return cls(
            prompt_tokens=prompt_tokens,
            prompt_tokens_evaluated=prompt_tokens_evaluated,
            completion_tokens=completion_tokens,
            time_to_first_token_s=first - started,
            tokens_per_second=(completion_tokens - 1) / decode if completion_tokens > 1 and decode > 0 else 0.0,
            total_seconds=ended - started,
            finish_reason=finish_reason,
        )

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
