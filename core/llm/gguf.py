"""Read a GGUF file's header, metadata and tensor table without loading its weights.

Enough of the format (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) to name the
architecture, quantisation, context length and chat template, and to tell a complete file from
a truncated one (an interrupted download) before llama.cpp is asked to map it.
"""

import mmap
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ModelError

GGUF_MAGIC = b"GGUF"
_DEFAULT_ALIGNMENT = 32
_MAX_COUNT = 1 << 24  # more keys or tensors than this is corruption, not a model

# value type id → struct format (fixed-size scalars); 8 = string, 9 = array
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9

# ggml tensor type id → (elements per block, bytes per block), from ggml.h / ggml.c
TENSOR_TYPE_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66),
    39: (32, 17),
}

# llama_ftype (general.file_type) → the quantisation name people use, from llama.h
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
    29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    38: "MXFP4_MOE",
}


@dataclass(frozen=True)
class GGUFInfo:
    path: Path
    size_bytes: int
    version: int
    architecture: str
    name: str | None
    file_type: str          # quantisation, e.g. "Q4_K_M", "MXFP4_MOE"; "unknown" when unsaid
    context_length: int | None
    chat_template: str | None
    tensor_count: int

    @property
    def has_chat_template(self) -> bool:
        return bool(self.chat_template)


class _Reader:
    def __init__(self, data: mmap.mmap | bytes, path: Path, version: int) -> None:
        self.data, self.path, self.version, self.pos = data, path, version, 0

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if count < 0 or end > len(self.data):
            raise _truncated(self.path)
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def unpack(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise _truncated(self.path)
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value

    def count(self) -> int:
        return self.unpack("<I" if self.version == 1 else "<Q")

    def string(self) -> str:
        return self.take(self.count()).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        length = self.count()
        self.pos += length
        if self.pos > len(self.data):
            raise _truncated(self.path)

    def skip_strings(self, length: int) -> None:
        """Skip an array's strings in one tight loop: a tokenizer's vocabulary holds 200,000."""
        fmt = "<I" if self.version == 1 else "<Q"
        size, data, end, pos = struct.calcsize(fmt), self.data, len(self.data), self.pos
        for _ in range(length):
            if pos + size > end:
                raise _truncated(self.path)
            pos += size + struct.unpack_from(fmt, data, pos)[0]
        if pos > end:
            raise _truncated(self.path)
        self.pos = pos

    def value(self, type_id: int, keep: bool) -> Any:
        if type_id in _SCALARS:
            return self.unpack(_SCALARS[type_id])
        if type_id == _STRING:
            if keep:
                return self.string()
            self.skip_string()
            return None
        if type_id == _ARRAY:
            item_type, length = self.unpack("<I"), self.count()
            if length > 1 << 32:
                raise _corrupt(self.path, f"an array of {length} items")
            if item_type in _SCALARS:  # skip fixed-size arrays in one step
                self.take(length * struct.calcsize(_SCALARS[item_type]))
                return None
            if item_type == _STRING:
                self.skip_strings(length)
                return None
            for _ in range(length):
                self.value(item_type, keep=False)
            return None
        raise _corrupt(self.path, f"unknown value type {type_id}")


def read_gguf(path: str | Path) -> GGUFInfo:
    """Parse the header; ModelError in one line for a missing, foreign or damaged file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size < 24:
                magic = handle.read(4)
                if magic != GGUF_MAGIC:
                    raise _not_gguf(path)
                raise _truncated(path)
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _parse(data, path, size)
    except FileNotFoundError:
        raise ModelError(f"model file {path} not found: check model.path or put a .gguf file in model/") from None
    except IsADirectoryError:
        raise ModelError(f"model path {path} is a folder: name a .gguf file inside it") from None
    except PermissionError:
        raise ModelError(f"model file {path} cannot be read (permission denied)") from None


def _parse(data: mmap.mmap, path: Path, size: int) -> GGUFInfo:
    if data[:4] != GGUF_MAGIC:
        raise _not_gguf(path)
    (version,) = struct.unpack_from("<I", data, 4)
    if version not in (1, 2, 3):
        raise _corrupt(path, f"unsupported GGUF version {version}")
    reader = _Reader(data, path, version)
    reader.pos = 8
    tensor_count, kv_count = reader.count(), reader.count()
    if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
        raise _corrupt(path, f"{tensor_count} tensors and {kv_count} keys")
    meta: dict[str, Any] = {}
    for _ in range(kv_count):
        key = reader.string()
        type_id = reader.unpack("<I")
        meta[key] = reader.value(type_id, keep=True)
    data_end = _tensor_data_end(reader, tensor_count, meta)
    if data_end > size:
        raise _truncated(path, f"{size:,} of {data_end:,} bytes present")

    architecture = meta.get("general.architecture")
    if not isinstance(architecture, str) or not architecture:
        raise _corrupt(path, "no general.architecture key")
    file_type = meta.get("general.file_type")
    context = meta.get(f"{architecture}.context_length")
    template = meta.get("tokenizer.chat_template")
    return GGUFInfo(
        path=path,
        size_bytes=size,
        version=version,
        architecture=architecture,
        name=meta.get("general.name") if isinstance(meta.get("general.name"), str) else None,
        file_type=FILE_TYPES.get(file_type, "unknown") if isinstance(file_type, int) else "unknown",
        context_length=context if isinstance(context, int) else None,
        chat_template=template if isinstance(template, str) and template else None,
        tensor_count=tensor_count,
    )


def _tensor_data_end(reader: _Reader, tensor_count: int, meta: dict[str, Any]) -> int:
    """Where the last tensor's bytes end: a shorter file is truncated."""
    last_offset, last_bytes = 0, 0
    for _ in range(tensor_count):
        reader.skip_string()
        n_dims = reader.unpack("<I")
        if n_dims > 8:
            raise _corrupt(reader.path, f"a tensor with {n_dims} dimensions")
        elements = 1
        for _ in range(n_dims):
            elements *= reader.count()
        type_id, offset = reader.unpack("<I"), reader.unpack("<Q")
        if offset >= last_offset:
            block, block_bytes = TENSOR_TYPE_SIZES.get(type_id, (1, 0))
            last_offset, last_bytes = offset, -(-elements // block) * block_bytes
    alignment = meta.get("general.alignment", _DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = _DEFAULT_ALIGNMENT
    data_start = -(-reader.pos // alignment) * alignment
    return data_start + last_offset + last_bytes if tensor_count else reader.pos


def _not_gguf(path: Path) -> ModelError:
    return ModelError(f"{path} is not a GGUF model file (wrong magic bytes): llama.cpp needs a .gguf file")


def _truncated(path: Path, detail: str = "it ends inside its header") -> ModelError:
    return ModelError(
        f"model file {path} is truncated or corrupt ({detail}): download it again "
        "(`assistant model pull` resumes) or copy it again"
    )


def _corrupt(path: Path, detail: str) -> ModelError:
    return ModelError(f"model file {path} is corrupt ({detail}): download or copy it again")
