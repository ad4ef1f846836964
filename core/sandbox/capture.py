"""Capped capture of one output stream: keeps at most `cap` bytes, keeps draining after that."""

import codecs

from core.sandbox.base import TRUNCATION_MARKER, OutputCallback


class StreamCapture:
    """Feed raw bytes as they arrive; decoded text (invalid UTF-8 replaced) is kept up to the cap
    and forwarded to `on_output`. Past the cap the marker is forwarded once and the rest dropped."""

    def __init__(self, stream: str, cap_bytes: int, on_output: OutputCallback | None = None) -> None:
        self.stream = stream
        self.cap_bytes = cap_bytes
        self.truncated = False
        self._on_output = on_output
        self._kept = 0
        self._parts: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes) -> None:
        if self.truncated or not data:
            return
        room = self.cap_bytes - self._kept
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self._kept += len(data)
        text = self._decoder.decode(data, final=self.truncated)
        if self.truncated:
            text += TRUNCATION_MARKER.format(cap=self.cap_bytes)
        self._emit(text)

    def close(self) -> None:
        """Flush a partial UTF-8 sequence left at the end of the stream."""
        if not self.truncated:
            self._emit(self._decoder.decode(b"", final=True))

    def text(self) -> str:
        return "".join(self._parts)

    def _emit(self, text: str) -> None:
        if text:
            self._parts.append(text)
            if self._on_output is not None:
                self._on_output(self.stream, text)
