"""The harmony parser splits GPT-OSS output into reasoning and answer, however it is chunked."""

import pytest

from core.llm.base import Delta
from core.llm.harmony import HarmonyParser, channel_of, split_harmony

# Recorded in the shape gpt-oss-20b produces after a prompt ending in `<|start|>assistant`.
REASONING = (
    "We need to write a function that returns the n-th Fibonacci number. Use iteration: "
    "a, b = 0, 1; loop n times. Edge case n < 0 -> raise ValueError. Print fib(10) = 55."
)
ANSWER = (
    "```python\n"
    "def fib(n: int) -> int:\n"
    "    if n < 0:\n"
    "        raise ValueError(\"n must be >= 0\")\n"
    "    a, b = 0, 1\n"
    "    for _ in range(n):\n"
    "        a, b = b, a + b\n"
    "    return a\n\n"
    "print(fib(10))  # a <| b is not a marker, nor is x<y>z\n"
    "```"
)
FULL = (
    f"<|start|>assistant<|channel|>analysis<|message|>{REASONING}<|end|>"
    f"<|start|>assistant<|channel|>final<|message|>{ANSWER}<|return|>"
)
WITHOUT_START = (
    f"<|channel|>analysis<|message|>{REASONING}<|end|>"
    f"<|start|>assistant<|channel|>final<|message|>{ANSWER}<|return|>"
)
WITH_COMMENTARY = (
    "<|channel|>analysis<|message|>Need the weather.<|end|>"
    "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"
    '<|message|>{"location":"Paris"}<|call|>'
)


def parse_in_chunks(text: str, cuts: list[int]) -> tuple[str, str, HarmonyParser]:
    parser = HarmonyParser()
    deltas: list[Delta] = []
    bounds = [0, *cuts, len(text)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        deltas += parser.feed(text[start:end])
    deltas += parser.finish()
    reasoning = "".join(d.text for d in deltas if d.channel == "reasoning")
    answer = "".join(d.text for d in deltas if d.channel == "answer")
    return reasoning, answer, parser


def test_whole_text_splits_analysis_from_final():
    assert split_harmony(FULL) == (REASONING, ANSWER)


@pytest.mark.parametrize("text", [FULL, WITHOUT_START], ids=["with-start", "without-start"])
def test_every_single_split_point_gives_the_same_channels(text):
    for cut in range(1, len(text)):
        reasoning, answer, _ = parse_in_chunks(text, [cut])
        assert (reasoning, answer) == (REASONING, ANSWER), f"split at {cut}: {text[cut - 5:cut + 5]!r}"


@pytest.mark.parametrize("text", [FULL, WITHOUT_START], ids=["with-start", "without-start"])
def test_one_character_chunks_give_the_same_channels(text):
    reasoning, answer, parser = parse_in_chunks(text, list(range(1, len(text))))
    assert (reasoning, answer) == (REASONING, ANSWER)
    assert parser.stopped


def test_every_pair_of_split_points_around_markers_gives_the_same_channels():
    text = FULL
    marker_edges = [i for i, c in enumerate(text) if c in "<|>"]
    for first in marker_edges:
        for second in range(first + 1, min(first + 14, len(text))):
            reasoning, answer, _ = parse_in_chunks(text, [first, second])
            assert (reasoning, answer) == (REASONING, ANSWER), (first, second)


def test_no_markup_leaks_into_either_channel_at_any_chunking():
    for size in range(1, 17):
        reasoning, answer, _ = parse_in_chunks(WITH_COMMENTARY, list(range(size, len(WITH_COMMENTARY), size)))
        for text in (reasoning, answer):
            assert "<|" not in text and "|>" not in text


def test_commentary_channel_is_reasoning_and_never_answer():
    reasoning, answer = split_harmony(WITH_COMMENTARY)
    assert answer == ""
    assert reasoning == 'Need the weather.{"location":"Paris"}'


def test_call_marker_marks_the_stream_stopped():
    parser = HarmonyParser()
    parser.feed(WITH_COMMENTARY)
    assert parser.stopped


def test_final_message_without_return_keeps_its_text():
    text = "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>print(1)"
    assert split_harmony(text) == ("think", "print(1)")


def test_final_message_cut_mid_marker_keeps_the_partial_marker_as_text():
    parser = HarmonyParser()
    deltas = parser.feed("<|channel|>final<|message|>x = 1<|ret")
    deltas += parser.finish()
    assert "".join(d.text for d in deltas) == "x = 1<|ret"
    assert not parser.stopped


def test_partial_marker_is_held_back_until_it_resolves():
    parser = HarmonyParser()
    assert parser.feed("<|channel|>final<|message|>abc<|e") == [Delta("answer", "abc")]
    assert parser.feed("nd|>") == []


def test_text_without_any_harmony_markup_is_the_answer():
    assert split_harmony("  x = 1\nprint(x < 2)\n") == ("", "  x = 1\nprint(x < 2)\n")


def test_unknown_special_tokens_are_dropped():
    assert split_harmony("<|channel|>final<|message|>a<|reserved_200012|>b<|return|>") == ("", "ab")


def test_text_after_return_with_a_new_final_message_is_answer():
    text = "<|channel|>final<|message|>one<|return|><|start|>assistant<|channel|>final<|message|>two"
    assert split_harmony(text) == ("", "onetwo")


def test_header_without_channel_is_answer():
    assert split_harmony("<|start|>assistant<|message|>hello<|end|>") == ("", "hello")


def test_unknown_channel_is_reasoning():
    assert split_harmony("<|channel|>scratch<|message|>notes<|end|>") == ("notes", "")


@pytest.mark.parametrize(
    ("header", "channel"),
    [
        ("assistant<|channel|>final", "answer"),
        ("assistant<|channel|>final ", "answer"),
        ("assistant<|channel|>analysis", "reasoning"),
        ("assistant<|channel|>commentary to=functions.x json", "reasoning"),
        ("assistant", "answer"),
    ],
)
def test_channel_of_header(header, channel):
    assert channel_of(header) == channel
