"""Open the model the configuration asks for: the one place that picks a backend."""

from urllib.parse import urlsplit

from core.config import Config
from core.llm.base import ModelBackend, ProgressCallback
from core.llm.registry import choose_model, resolve_path


def open_model(config: Config, on_progress: ProgressCallback | None = None) -> ModelBackend:
    """Load the model per config.model (llama: in this process; openai: a local server).
    Blocking: the TUI calls it from a worker thread; on_progress(message, fraction)."""
    if config.model.backend == "openai":
        from core.llm.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend.connect(config.model.server, config.model.context_size, on_progress)
    from core.llm.llama import LlamaBackend, LoadSettings

    report = on_progress or (lambda message, fraction: None)
    choice = choose_model(config)
    report(f"model: {choice.describe()}", 0.0)
    path = resolve_path(choice)
    settings = LoadSettings(
        context_size=config.model.context_size,
        gpu_layers=config.model.gpu_layers,
        threads=config.model.threads,
        flash_attention=config.model.flash_attention,
        seed=config.model.seed,
    )
    return LlamaBackend.load(path, settings, is_demo=choice.is_demo, on_progress=report)


def describe_model_choice(config: Config) -> str:
    """Which model would be used and why, in one line, without loading weights (for doctor)."""
    if config.model.backend == "openai":
        server = config.model.server
        host = urlsplit(server.base_url).hostname or "?"
        name = server.model or "the first model it lists"
        return f"OpenAI-compatible server at {server.base_url} (host {host}), model {name} (model.backend: openai)"
    choice = choose_model(config)
    detail = ""
    if choice.path is not None and choice.path.is_file():
        from core.llm.gguf import read_gguf

        info = read_gguf(choice.path)
        detail = f" [{info.architecture}, {info.file_type}, {info.size_bytes / 2**20:,.0f} MiB]"
    return f"{choice.describe()}{detail}"
