"""Reading GGUF headers without loading weights, and choosing which model to load."""

import dataclasses
from pathlib import Path

import pytest

from core.config import Config, ModelConfig
from core.errors import ModelError
from core.llm import registry
from core.llm.gguf import FILE_TYPES, read_gguf
from core.llm.registry import choose_model, found_models, ggufs_in
from tests.llm.gguf_files import small_model_file


def test_reads_architecture_quantisation_context_and_template(tmp_path):
    path = small_model_file(tmp_path / "m.gguf", "gpt-oss", **{"tokenizer.chat_template": "{{ messages }}"})
    info = read_gguf(path)
    assert (info.architecture, info.file_type, info.context_length) == ("gpt-oss", "F32", 4096)
    assert info.has_chat_template and info.name == "Tiny Test" and info.tensor_count == 2


def test_a_model_without_template_says_so(tmp_path):
    assert not read_gguf(small_model_file(tmp_path / "m.gguf")).has_chat_template


def test_missing_file_is_a_one_line_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        read_gguf(tmp_path / "absent.gguf")


def test_wrong_magic_is_not_a_gguf(tmp_path):
    path = tmp_path / "fake.gguf"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    with pytest.raises(ModelError, match="not a GGUF"):
        read_gguf(path)


def test_tiny_file_with_wrong_magic_is_not_a_gguf(tmp_path):
    path = tmp_path / "fake.gguf"
    path.write_text("hello")
    with pytest.raises(ModelError, match="not a GGUF"):
        read_gguf(path)


@pytest.mark.parametrize("keep", [6, 30, 120])
def test_file_cut_inside_the_header_is_truncated(tmp_path, keep):
    path = small_model_file(tmp_path / "m.gguf")
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(ModelError, match="truncated"):
        read_gguf(path)


def test_file_cut_inside_the_weights_is_truncated(tmp_path):
    path = small_model_file(tmp_path / "m.gguf")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ModelError, match="truncated or corrupt .*bytes present"):
        read_gguf(path)


def test_absurd_key_count_is_corrupt(tmp_path):
    path = small_model_file(tmp_path / "m.gguf")
    data = bytearray(path.read_bytes())
    data[16:24] = (1 << 40).to_bytes(8, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        read_gguf(path)


def test_file_type_names_match_llama_cpp():
    import llama_cpp

    for number, name in FILE_TYPES.items():
        constant = "LLAMA_FTYPE_ALL_F32" if name == "F32" else f"LLAMA_FTYPE_MOSTLY_{name}"
        assert getattr(llama_cpp, constant, number) == number, name


def test_model_folder_lists_ggufs_by_name_without_later_split_parts(tmp_path):
    for name in ("b.gguf", "a-00001-of-00002.gguf", "a-00002-of-00002.gguf", "notes.txt"):
        (tmp_path / name).write_bytes(b"GGUF")
    assert [p.name for p in ggufs_in(tmp_path)] == ["a-00001-of-00002.gguf", "b.gguf"]


def _no_project_models(monkeypatch, tmp_path):
    monkeypatch.setattr(registry, "PROJECT_ROOT", tmp_path / "project")


def test_config_path_comes_first(tmp_path, monkeypatch):
    _no_project_models(monkeypatch, tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "other.gguf").write_bytes(b"GGUF")
    chosen = tmp_path / "chosen.gguf"
    config = dataclasses.replace(Config(), model=ModelConfig(path=str(chosen)))
    assert choose_model(config, cwd=tmp_path).path == chosen


def test_model_folder_comes_before_the_embedded_model(tmp_path, monkeypatch):
    _no_project_models(monkeypatch, tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "x.gguf").write_bytes(b"GGUF")
    choice = choose_model(Config(), cwd=tmp_path)
    assert (choice.origin, choice.path) == ("model folder", (tmp_path / "model" / "x.gguf").resolve())


def test_without_any_gguf_the_embedded_model_is_chosen(tmp_path, monkeypatch):
    _no_project_models(monkeypatch, tmp_path)
    monkeypatch.setattr(registry, "embedded_available", lambda: True)
    monkeypatch.setattr(registry, "embedded_cached_path", lambda: Path("/cache/gemma.gguf"))
    choice = choose_model(Config(), cwd=tmp_path)
    assert choice.origin == "embedded" and choice.is_demo


def test_nothing_found_is_a_one_line_error(tmp_path, monkeypatch):
    _no_project_models(monkeypatch, tmp_path)
    monkeypatch.setattr(registry, "embedded_available", lambda: False)
    with pytest.raises(ModelError, match="no model found"):
        choose_model(Config(), cwd=tmp_path)


def test_found_models_lists_every_candidate_in_order(tmp_path, monkeypatch):
    _no_project_models(monkeypatch, tmp_path)
    monkeypatch.setattr(registry, "embedded_available", lambda: True)
    monkeypatch.setattr(registry, "embedded_cached_path", lambda: Path("/cache/gemma.gguf"))
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "x.gguf").write_bytes(b"GGUF")
    assert [c.origin for c in found_models(Config(), cwd=tmp_path)] == ["model folder", "embedded"]
