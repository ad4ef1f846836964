"""Write small GGUF files for tests: real format, tiny tensors."""

import struct
from pathlib import Path

_ALIGN = 32


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return struct.pack("<Q", len(raw)) + raw


def _value(value: object) -> bytes:
    if isinstance(value, str):
        return struct.pack("<I", 8) + _string(value)
    if isinstance(value, bool):
        return struct.pack("<I?", 7, value)
    if isinstance(value, int):
        return struct.pack("<II", 4, value)
    if isinstance(value, list):  # list of strings
        return struct.pack("<IIQ", 9, 8, len(value)) + b"".join(_string(v) for v in value)
    raise TypeError(value)


def write_gguf(path: Path, metadata: dict[str, object], f32_tensors: dict[str, int] | None = None) -> Path:
    """A GGUF v3 file with the given keys and F32 tensors of the given element counts."""
    tensors = f32_tensors or {}
    out = bytearray(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata)))
    for key, value in metadata.items():
        out += _string(key) + _value(value)
    offset = 0
    for name, count in tensors.items():
        out += _string(name) + struct.pack("<IQIQ", 1, count, 0, offset)
        offset += -(-count * 4 // _ALIGN) * _ALIGN
    out += b"\0" * (-len(out) % _ALIGN)
    for count in tensors.values():
        data = struct.pack(f"<{count}f", *([0.5] * count))
        out += data + b"\0" * (-len(data) % _ALIGN)
    path.write_bytes(bytes(out))
    return path


def small_model_file(path: Path, architecture: str = "llama", **extra: object) -> Path:
    metadata: dict[str, object] = {
        "general.architecture": architecture,
        "general.name": "Tiny Test",
        "general.file_type": 0,
        f"{architecture}.context_length": 4096,
        "tokenizer.ggml.tokens": ["<s>", "</s>", "a"],
        **extra,
    }
    return write_gguf(path, metadata, {"token_embd.weight": 40, "output.weight": 24})
