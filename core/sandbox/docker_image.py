"""Build the sandbox image from Dockerfile.sandbox, labelled with a hash of what went into it.

The build context is only what the image needs: the Dockerfile, the files its COPY lines name and
build-ca/ (the CA certificates this machine added locally, so npm inside the build trusts a
TLS-inspecting proxy the host trusts). The hash of that context, stored as an image label,
tells whether the image is up to date.
"""

import hashlib
import io
import re
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from core.errors import SandboxUnavailableError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = "Dockerfile.sandbox"
HASH_LABEL = "ondevice-assistant.context-sha256"
LOCAL_CA_DIR = Path("/usr/local/share/ca-certificates")
CA_CONTEXT_DIR = "build-ca"
_COPY = re.compile(r"^\s*COPY\s+(.+)$", re.IGNORECASE | re.MULTILINE)


def context_entries(root: Path = PROJECT_ROOT, ca_dir: Path = LOCAL_CA_DIR) -> dict[str, bytes]:
    """Build-context path → content, for every file the build needs."""
    dockerfile = root / DOCKERFILE
    if not dockerfile.is_file():
        raise SandboxUnavailableError(f"{dockerfile} not found: run this from a checkout of the project")
    text = dockerfile.read_text(encoding="utf-8")
    entries = {DOCKERFILE: text.encode()}
    for sources in copied_sources(text):
        if sources == CA_CONTEXT_DIR:
            continue
        path = root / sources
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if not file.is_file():
                raise SandboxUnavailableError(f"{DOCKERFILE} copies {sources}, which does not exist")
            entries[file.relative_to(root).as_posix()] = file.read_bytes()
    if ca_dir.is_dir():
        for cert in sorted(ca_dir.rglob("*.crt")):
            entries[f"{CA_CONTEXT_DIR}/{cert.name}"] = cert.read_bytes()
    return entries


def copied_sources(dockerfile_text: str) -> list[str]:
    """The source paths of the Dockerfile's COPY lines (flags and destinations left out)."""
    sources = []
    for match in _COPY.finditer(dockerfile_text):
        words = [w for w in match.group(1).split() if not w.startswith("--")]
        sources += [w.rstrip("/") for w in words[:-1]]
    return sources


def context_hash(entries: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(entries):
        digest.update(name.encode() + b"\0" + hashlib.sha256(entries[name]).digest())
    return digest.hexdigest()


def context_tar(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        ca_dir = tarfile.TarInfo(CA_CONTEXT_DIR)
        ca_dir.type, ca_dir.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(ca_dir)
        for name, content in sorted(entries.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(content), 0o644
            tar.addfile(info, io.BytesIO(content))
    buffer.seek(0)
    return buffer


def image_hash(client: Any, image: str) -> str | None:
    """The context hash the image was built from; None when it is missing or unlabelled."""
    try:
        labels = client.images.get(image).labels or {}
    except Exception:  # noqa: BLE001 - ImageNotFound or an unlabelled image
        return None
    return labels.get(HASH_LABEL)


def is_up_to_date(client: Any, image: str, entries: dict[str, bytes]) -> bool:
    return image_hash(client, image) == context_hash(entries)


def build_image(client: Any, image: str, entries: dict[str, bytes],
                on_line: Callable[[str], None]) -> None:
    """Build and tag `image`, passing each log line to `on_line`; raises on a failed build."""
    for line in _build_log(client, image, entries):
        on_line(line)


def _build_log(client: Any, image: str, entries: dict[str, bytes]) -> Iterator[str]:
    stream = client.api.build(
        fileobj=context_tar(entries), custom_context=True, dockerfile=DOCKERFILE, tag=image,
        labels={HASH_LABEL: context_hash(entries)}, network_mode="host", rm=True, forcerm=True,
        decode=True)
    for chunk in stream:
        if "error" in chunk:
            raise SandboxUnavailableError(f"building {image} failed: {str(chunk['error']).strip()}")
        text = chunk.get("stream") or chunk.get("status") or ""
        for line in text.splitlines():
            if line.strip():
                yield line.rstrip()
