"""How a conversation becomes prompt text: gpt-oss's own template, or the plain completion
layout for a base model; stop strings; the model card's sampling."""

from pathlib import Path

import pytest

from core.llm.base import Message, SamplingParams
from core.llm.completion_prompt import (
    STOP_STRINGS,
    AnswerEnd,
    CompletionAnswer,
    StopStringFilter,
    render_completion_prompt,
)

TEMPLATE = Path(__file__).parent / "data" / "openai-gpt-oss-120b.jinja"  # from llama.cpp's models/templates
TASK = [Message("system", "Write Python."), Message("user", "Print the primes below 20.")]
REPAIR = [*TASK, Message("assistant", "```python\nprint([2, 3, 5])\n```"),
          Message("user", "The output was wrong: expected 2 3 5 7 11 13 17 19.")]


@pytest.fixture(scope="module")
def gpt_oss_formatter():
    from core.llm.llama import make_chat_formatter

    return make_chat_formatter(TEMPLATE.read_text(encoding="utf-8"), "<|startoftext|>", "<|return|>", "test")


def render(formatter, conversation, effort="medium"):
    from core.llm.llama import render_chat_prompt

    return render_chat_prompt(formatter, conversation, effort)


@pytest.mark.parametrize("effort", ["low", "medium", "high"])
def test_gpt_oss_template_receives_the_reasoning_effort(gpt_oss_formatter, effort):
    assert f"Reasoning: {effort}" in render(gpt_oss_formatter, TASK, effort)


def test_gpt_oss_prompt_ends_where_the_assistant_starts(gpt_oss_formatter):
    prompt = render(gpt_oss_formatter, TASK)
    assert prompt.endswith("<|start|>assistant")
    assert "<|start|>user<|message|>Print the primes below 20.<|end|>" in prompt


def test_gpt_oss_repair_prompt_extends_the_first_prompt(gpt_oss_formatter):
    first, second = render(gpt_oss_formatter, TASK), render(gpt_oss_formatter, REPAIR)
    assert second.startswith(first)
    assert "<|channel|>final<|message|>```python\nprint([2, 3, 5])\n```" in second


def test_completion_prompt_ends_with_an_open_answer_section():
    prompt = render_completion_prompt(TASK)
    assert prompt == "Write Python.\n\n### Task\nPrint the primes below 20.\n\n### Answer\n"


def test_completion_repair_prompt_extends_the_first_prompt():
    first, second = render_completion_prompt(TASK), render_completion_prompt(REPAIR)
    assert second.startswith(first)
    assert second.endswith("### Feedback\nThe output was wrong: expected 2 3 5 7 11 13 17 19.\n\n### Answer\n")


def test_stop_string_split_across_chunks_is_never_emitted():
    text = "print(1)\n### Task\nmore"
    for cut in range(1, len(text)):
        stops = StopStringFilter(STOP_STRINGS)
        out = stops.feed(text[:cut]) + stops.feed(text[cut:]) + stops.finish()
        assert out == "print(1)" and stops.stopped, cut


def test_text_resembling_a_stop_string_start_is_released_at_the_end():
    stops = StopStringFilter(STOP_STRINGS)
    assert stops.feed("x = 1\n###") == "x = 1"
    assert stops.finish() == "\n###"


def test_markdown_heading_that_is_not_a_stop_string_passes():
    stops = StopStringFilter(STOP_STRINGS)
    assert stops.feed("a\n### Notes\nb") + stops.finish() == "a\n### Notes\nb"


def test_gpt_oss_sampling_defaults_follow_the_model_card():
    from core.llm.llama import recommended_sampling

    chosen = recommended_sampling(True, SamplingParams())
    assert (chosen.temperature, chosen.top_p) == (1.0, 1.0)
    assert recommended_sampling(True, SamplingParams(temperature=0.3)).temperature == 0.3


def feed_lines(end, text):
    return "".join(end.feed(piece) for piece in text.splitlines(keepends=True))


def test_answer_ends_after_its_first_closed_code_block():
    end = AnswerEnd()
    text = "Here it is.\n```python\nprint('hi')\n```\nNow something else\n```python\nmore\n```\n"
    assert feed_lines(end, text) == "Here it is.\n```python\nprint('hi')\n```\n"
    assert end.stopped


def test_answer_without_a_code_block_runs_on():
    end = AnswerEnd()
    assert feed_lines(end, "one\ntwo\nthree\n") == "one\ntwo\nthree\n" and not end.stopped


def test_a_loop_of_one_line_ends_the_answer():
    end = AnswerEnd(max_repeats=16)
    text = "```python\n" + "print(hello('Bob'))\n" * 40
    kept = feed_lines(end, text)
    assert end.stopped and kept.count("print(hello('Bob'))") == 16


def test_repeated_blank_lines_are_not_a_loop():
    end = AnswerEnd(max_repeats=3)
    assert feed_lines(end, "a\n\n\n\n\nb\n") == "a\n\n\n\n\nb\n" and not end.stopped


def test_completion_prompt_opens_the_code_block_when_the_fence_is_named():
    prompt = render_completion_prompt(TASK, code_fence="python")
    assert prompt.endswith("### Answer\n```python\n")


def test_completion_repair_prompt_with_an_open_fence_still_extends_the_first_prompt():
    first = render_completion_prompt(TASK, code_fence="python")
    second = render_completion_prompt(REPAIR, code_fence="python")
    assert second.startswith(first) and second.endswith("### Answer\n```python\n")


def test_a_loop_of_a_whole_paragraph_ends_the_answer():
    end = AnswerEnd(max_repeats=4)
    paragraph = "The program is written in one fenced block.\nUse only the standard library.\n\n"
    kept = feed_lines(end, paragraph * 10)
    assert end.stopped and kept.count("Use only the standard library.") == 3


def test_short_lines_repeated_apart_are_not_a_loop():
    end = AnswerEnd(max_repeats=3)
    code = "if a:\n    pass\n}\nx = 1\n}\ny = 2\n}\nz = 3\n}\n"
    assert feed_lines(end, code) == code and not end.stopped


def test_a_runaway_line_ends_the_answer():
    end = AnswerEnd()
    kept = feed_lines(end, "```python\nprint(" + "math.floor(" * 1000 + ")\n")
    assert end.stopped and len(kept) < AnswerEnd.RUNAWAY_LINE + 20


def test_completion_answer_starts_with_the_opened_block_and_ends_when_it_closes():
    answer = CompletionAnswer(code_fence="python")
    text = answer.feed(answer.opening) + answer.feed("print(1)\n```\nNow the explanation") + answer.finish()
    assert text == "```python\nprint(1)\n```\n" and answer.stopped


def test_completion_answer_ends_at_a_stop_string_split_across_chunks():
    answer = CompletionAnswer()
    assert answer.opening == ""
    assert answer.feed("x = 1\n### Ta") + answer.feed("sk\nmore") + answer.finish() == "x = 1"
    assert answer.stopped
