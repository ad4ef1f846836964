"""StreamCapture keeps at most the cap, marks the cut once, and decodes UTF-8 across chunks."""

from core.sandbox.base import TRUNCATION_MARKER
from core.sandbox.capture import StreamCapture


def collect(cap: int):
    seen: list[tuple[str, str]] = []
    return StreamCapture("stdout", cap, lambda stream, text: seen.append((stream, text))), seen


def test_output_under_the_cap_is_kept_whole_and_forwarded():
    capture, seen = collect(100)
    capture.feed(b"hello ")
    capture.feed(b"world\n")
    capture.close()
    assert capture.text() == "hello world\n"
    assert seen == [("stdout", "hello "), ("stdout", "world\n")]
    assert not capture.truncated


def test_output_past_the_cap_is_cut_with_one_marker():
    capture, seen = collect(10)
    capture.feed(b"0123456789abc")
    capture.feed(b"more that is dropped")
    capture.close()
    marker = TRUNCATION_MARKER.format(cap=10)
    assert capture.truncated
    assert capture.text() == "0123456789" + marker
    assert "".join(text for _, text in seen) == capture.text()


def test_output_exactly_at_the_cap_is_not_truncated():
    capture, _ = collect(4)
    capture.feed(b"abcd")
    capture.close()
    assert capture.text() == "abcd" and not capture.truncated


def test_feeding_after_truncation_changes_nothing():
    capture, seen = collect(2)
    capture.feed(b"abc")
    before = (capture.text(), len(seen))
    capture.feed(b"def")
    assert (capture.text(), len(seen)) == before


def test_multibyte_character_split_across_chunks_is_decoded():
    capture, _ = collect(100)
    rocket = "\U0001f680".encode()
    capture.feed(rocket[:1])
    capture.feed(rocket[1:3])
    capture.feed(rocket[3:] + b"!")
    capture.close()
    assert capture.text() == "\U0001f680!"


def test_invalid_utf8_becomes_replacement_characters():
    capture, _ = collect(100)
    capture.feed(b"ok \xff\xfe end")
    capture.close()
    assert capture.text() == "ok \ufffd\ufffd end"


def test_partial_sequence_at_end_of_stream_is_flushed_on_close():
    capture, _ = collect(100)
    capture.feed(b"tail \xe4\xb8")
    capture.close()
    assert capture.text() == "tail \ufffd"


def test_cut_inside_a_multibyte_character_does_not_crash():
    capture, _ = collect(5)
    capture.feed("abcd\u00e9xyz".encode())
    capture.close()
    assert capture.truncated
    assert capture.text().startswith("abcd\ufffd")


def test_empty_chunks_are_ignored():
    capture, seen = collect(10)
    capture.feed(b"")
    capture.close()
    assert capture.text() == "" and seen == []


def test_works_without_a_callback():
    capture = StreamCapture("stderr", 3)
    capture.feed(b"abcdef")
    assert capture.text().startswith("abc") and capture.truncated
