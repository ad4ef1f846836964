"""The sandbox image's build context, its hash label and `assistant sandbox build --if-stale`."""

import tarfile

import pytest

from core.cli.main import main
from core.config import DockerConfig
from core.errors import SandboxUnavailableError
from core.sandbox import docker_image
from core.sandbox.docker import connect
from tests.sandbox.docker_support import require_engine

DOCKERFILE = """ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
COPY build-ca/ /usr/local/share/ca-certificates/build-ca/
COPY --chown=1:1 tools/run.py tools/lib/ /opt/
RUN true
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile.sandbox").write_text(DOCKERFILE)
    (tmp_path / "tools" / "lib").mkdir(parents=True)
    (tmp_path / "tools" / "run.py").write_text("print(1)\n")
    (tmp_path / "tools" / "lib" / "a.py").write_text("A = 1\n")
    (tmp_path / "ca").mkdir()
    (tmp_path / "ca" / "proxy.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    return tmp_path


def test_copy_sources_are_read_without_flags_or_destination():
    assert docker_image.copied_sources(DOCKERFILE) == ["build-ca", "tools/run.py", "tools/lib"]


def test_context_holds_the_dockerfile_copied_files_and_local_certificates(project):
    entries = docker_image.context_entries(project, project / "ca")
    assert sorted(entries) == ["Dockerfile.sandbox", "build-ca/proxy.crt", "tools/lib/a.py", "tools/run.py"]


def test_context_tar_has_exactly_the_entries_and_the_certificate_folder(project):
    entries = docker_image.context_entries(project, project / "nowhere")
    with tarfile.open(fileobj=docker_image.context_tar(entries)) as tar:
        names = tar.getnames()
    assert sorted(names) == ["Dockerfile.sandbox", "build-ca", "tools/lib/a.py", "tools/run.py"]


def test_hash_changes_when_a_copied_file_changes(project):
    before = docker_image.context_hash(docker_image.context_entries(project, project / "ca"))
    assert before == docker_image.context_hash(docker_image.context_entries(project, project / "ca"))
    (project / "tools" / "lib" / "a.py").write_text("A = 2\n")
    assert before != docker_image.context_hash(docker_image.context_entries(project, project / "ca"))


def test_a_missing_copy_source_is_a_clear_error(project):
    (project / "tools" / "run.py").unlink()
    with pytest.raises(SandboxUnavailableError, match="tools/run.py"):
        docker_image.context_entries(project, project / "ca")


def test_the_real_dockerfile_keeps_its_base_image_argument_on_its_own_line():
    text = (docker_image.PROJECT_ROOT / "Dockerfile.sandbox").read_text()
    assert "ARG BASE_IMAGE=debian:bookworm-slim\n" in text


@pytest.mark.docker
def test_build_if_stale_leaves_an_up_to_date_image_labelled_with_the_context_hash(capsys):
    require_engine()
    assert main(["sandbox", "build", "--if-stale", "--quiet"]) == 0
    assert main(["sandbox", "build", "--if-stale"]) == 0
    assert capsys.readouterr().out.strip().endswith("is up to date")
    client = connect()
    try:
        assert docker_image.is_up_to_date(client, DockerConfig().image, docker_image.context_entries())
    finally:
        client.close()
