"""The in-process llama.cpp backend, with the real embedded model (Gemma 3 270M)."""

import pytest

from core.cancel import CancelToken
from core.errors import ModelBusyError, ModelError
from core.llm.base import Delta, Message, SamplingParams, Usage
from tests.llm.conftest import CONTEXT_SIZE
from tests.llm.gguf_files import small_model_file

pytestmark = pytest.mark.model

TASK = [
    Message("system", "You write small, correct Python programs."),
    Message("user", "Write a Python function that returns the sum of a list of numbers, and print sum_list([1, 2, 3])."),
]
SHORT = SamplingParams(max_tokens=24, seed=1)


def run(backend, conversation, params=SHORT, cancel=None):
    items = list(backend.stream(conversation, params, cancel or CancelToken()))
    return [i for i in items if isinstance(i, Delta)], items[-1], items


def test_info_names_the_embedded_demo_model(llama_backend):
    info = llama_backend.info()
    assert (info.architecture, info.backend, info.is_demo) == ("gemma3", "llama", True)
    assert info.context_size == CONTEXT_SIZE and info.on_gpu is False


def test_stream_yields_answer_deltas_then_exactly_one_usage(llama_backend):
    deltas, usage, items = run(llama_backend, TASK)
    assert isinstance(usage, Usage) and sum(isinstance(i, Usage) for i in items) == 1
    assert deltas and {d.channel for d in deltas} == {"answer"}
    assert 0 < usage.completion_tokens <= SHORT.max_tokens
    assert usage.finish_reason in ("stop", "length")
    assert usage.time_to_first_token_s > 0 and usage.total_seconds >= usage.time_to_first_token_s


def test_a_named_code_fence_starts_the_answer_with_the_opened_block(llama_backend):
    deltas, _, _ = run(llama_backend, TASK, SamplingParams(max_tokens=8, seed=1, code_fence="python"))
    assert "".join(d.text for d in deltas).startswith("```python\n")


def test_max_tokens_ends_the_answer_with_length(llama_backend):
    _, usage, _ = run(llama_backend, TASK, SamplingParams(max_tokens=3, seed=1, temperature=0.0))
    assert usage.completion_tokens <= 3
    assert usage.finish_reason in ("length", "stop")


def test_count_tokens_matches_the_prompt_tokens_of_the_usage(llama_backend):
    _, usage, _ = run(llama_backend, TASK)
    assert llama_backend.count_tokens(TASK) == usage.prompt_tokens


def test_cancel_mid_stream_stops_within_one_token(llama_backend):
    cancel = CancelToken()
    seen = 0
    usage = None
    for item in llama_backend.stream(TASK, SamplingParams(max_tokens=200, seed=3, temperature=0.8), cancel):
        if isinstance(item, Usage):
            usage = item
            break
        seen += 1
        if seen == 3:
            cancel.cancel()
    assert usage is not None and usage.finish_reason == "cancelled"
    assert seen == 3
    assert usage.completion_tokens <= 3 + 1


def test_cancel_before_start_generates_nothing(llama_backend):
    cancel = CancelToken()
    cancel.cancel()
    deltas, usage, _ = run(llama_backend, TASK, cancel=cancel)
    assert deltas == [] and usage.finish_reason == "cancelled" and usage.completion_tokens == 0


def test_repair_prompt_evaluates_only_its_new_tokens(llama_backend):
    first_deltas, first, _ = run(llama_backend, TASK)
    answer = "".join(d.text for d in first_deltas)
    repair = [*TASK, Message("assistant", answer),
              Message("user", "Running it failed:\nNameError: name 'sum_list' is not defined\nFix the program.")]
    _, second, _ = run(llama_backend, repair)
    new_tokens = second.prompt_tokens - first.prompt_tokens
    assert new_tokens > 0
    assert 0 < second.prompt_tokens_evaluated <= new_tokens + 4
    assert second.prompt_tokens_reused >= first.prompt_tokens - 4


def test_a_different_prompt_is_evaluated_in_full(llama_backend):
    _, usage, _ = run(llama_backend, [Message("user", "Print the first ten square numbers in Python, one per line.")])
    assert usage.prompt_tokens_evaluated >= usage.prompt_tokens - 2


def test_second_concurrent_stream_is_refused_as_busy(llama_backend):
    running = llama_backend.stream(TASK, SamplingParams(max_tokens=50, seed=1), CancelToken())
    next(running)
    try:
        with pytest.raises(ModelBusyError):
            next(llama_backend.stream(TASK, SHORT, CancelToken()))
    finally:
        running.close()
    _, usage, _ = run(llama_backend, TASK)  # the lock was released
    assert usage.completion_tokens > 0


def test_prompt_longer_than_the_context_is_refused_clearly(llama_backend):
    huge = [Message("user", "number " * (CONTEXT_SIZE * 2))]
    with pytest.raises(ModelError, match=r"prompt takes \d+ tokens but the model's context holds 2048"):
        run(llama_backend, huge)


def test_unknown_architecture_is_refused_in_one_line(tmp_path, embedded_model_path):
    from core.llm.llama import LlamaBackend, LoadSettings

    path = small_model_file(tmp_path / "odd.gguf", "nosucharch")
    with pytest.raises(ModelError, match="does not know the architecture 'nosucharch'"):
        LlamaBackend.load(path, LoadSettings(context_size=256))


def test_not_a_gguf_is_refused_before_llama_cpp_sees_it(tmp_path, embedded_model_path):
    from core.llm.llama import LlamaBackend, LoadSettings

    path = tmp_path / "weights.gguf"
    path.write_bytes(b"\x89PNG" + b"\0" * 64)
    with pytest.raises(ModelError, match="not a GGUF"):
        LlamaBackend.load(path, LoadSettings(context_size=256))
