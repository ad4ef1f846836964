"""open_model and describe_model_choice: the engine's and doctor's way in."""

import dataclasses

import pytest

from core.config import Config, ModelConfig, ServerConfig
from core.errors import ModelError
from core.llm import registry
from core.llm.factory import describe_model_choice, open_model
from tests.llm.gguf_files import small_model_file


def test_describe_names_the_model_folder_file_with_its_architecture(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROJECT_ROOT", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model").mkdir()
    small_model_file(tmp_path / "model" / "tiny.gguf", "gpt-oss")
    line = describe_model_choice(Config())
    assert "tiny.gguf" in line and "model/ folder" in line and "gpt-oss" in line and "F32" in line


def test_describe_reports_a_damaged_chosen_file_as_a_model_error(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROJECT_ROOT", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "bad.gguf").write_bytes(b"GGUF\x03\0\0\0")
    with pytest.raises(ModelError, match="truncated"):
        describe_model_choice(Config())


def test_describe_an_openai_server_without_contacting_it():
    config = dataclasses.replace(Config(), model=ModelConfig(
        backend="openai", server=ServerConfig(base_url="http://127.0.0.1:9/v1", model="m")))
    assert describe_model_choice(config).startswith("OpenAI-compatible server at http://127.0.0.1:9/v1")


@pytest.mark.model
def test_open_model_loads_the_embedded_model_with_progress(embedded_model_path, tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "PROJECT_ROOT", tmp_path / "elsewhere")
    monkeypatch.chdir(tmp_path)
    progress: list[tuple[str, float]] = []
    config = dataclasses.replace(Config(), model=ModelConfig(context_size=512))
    model = open_model(config, lambda message, fraction: progress.append((message, fraction)))
    try:
        assert model.info().is_demo and model.info().context_size == 512
        assert progress[-1] == ("model ready", 1.0)
        assert [f for _, f in progress] == sorted(f for _, f in progress)
    finally:
        model.close()
        model.close()  # safe twice
