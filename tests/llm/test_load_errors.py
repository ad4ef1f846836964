"""Load failures become one-line errors that say what to do."""

from pathlib import Path

import pytest

from core.errors import ModelError
from core.llm import llama
from core.llm.gguf import GGUFInfo

BIG = GGUFInfo(path=Path("/m/gpt-oss-20b-mxfp4.gguf"), size_bytes=12 * 2**30, version=3,
               architecture="gpt-oss", name="gpt-oss-20b", file_type="MXFP4_MOE", context_length=131072,
               chat_template="x", tensor_count=459)


def test_a_cpu_load_larger_than_free_memory_is_refused(monkeypatch):
    monkeypatch.setattr(llama, "available_memory_bytes", lambda: 8 * 2**30)
    with pytest.raises(ModelError, match=r"not enough memory for gpt-oss-20b-mxfp4.gguf: .*12.0 GiB, 8.0 GiB is free"):
        llama.check_memory(BIG)


def test_a_load_that_fits_passes_the_memory_check(monkeypatch):
    monkeypatch.setattr(llama, "available_memory_bytes", lambda: 64 * 2**30)
    llama.check_memory(BIG)


def test_free_memory_is_read_from_this_machine():
    free = llama.available_memory_bytes()
    assert free is None or free > 0


def test_llama_cpp_allocation_failure_reads_as_not_enough_memory():
    error = llama.load_error(BIG, "ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 12884901888")
    assert str(error).startswith("not enough memory to load gpt-oss-20b-mxfp4.gguf")


def test_unknown_architecture_reads_as_upgrade_llama_cpp():
    error = llama.load_error(BIG, "llama_model_load: error loading model: unknown model architecture: 'gpt-oss'")
    assert "does not know the architecture 'gpt-oss'" in str(error) and "upgrade" in str(error)


def test_other_load_failures_keep_llama_cpp_reason_in_one_line():
    error = llama.load_error(BIG, "error loading model: tensor 'blk.0.ffn' has wrong shape")
    assert "\n" not in str(error) and "wrong shape" in str(error)
