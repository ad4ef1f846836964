"""Fixtures for the benchmark tests: one real Docker sandbox shared by the whole package."""

import pytest

from core.config import Config
from tests.conftest import require


def docker_problem() -> str | None:
    from core.sandbox import docker

    return docker.unavailable_reason(Config().docker)


@pytest.fixture(scope="package")
def docker_sandbox():
    problem = docker_problem()
    require(problem is None, f"a Docker engine with the sandbox image ({problem})")
    from core.sandbox.factory import open_sandbox

    sandbox = open_sandbox(Config(), "docker")
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="package")
def limits():
    return Config().limits.to_run_limits()
