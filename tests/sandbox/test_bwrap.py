"""The bubblewrap executor against real programs: languages, limits and the attack tests."""

import shutil

import pytest

from core.sandbox.bwrap import BwrapSandbox, unavailable_reason
from tests.conftest import require
from tests.sandbox.host_contract import HostSandboxContract, home_secret, run  # noqa: F401 - fixture

pytestmark = pytest.mark.bwrap


@pytest.fixture(scope="module")
def sandbox():
    require(shutil.which("bwrap") is not None and unavailable_reason() is None, "bubblewrap")
    box = BwrapSandbox()
    yield box
    box.close()


class TestBwrapSandbox(HostSandboxContract):
    def test_results_say_isolated_and_bwrap(self, sandbox):
        result = run(sandbox, "print(1)")
        assert (result.isolated, result.sandbox) == (True, "bwrap")

    def test_the_program_runs_as_an_unprivileged_user_without_capabilities(self, sandbox):
        result = run(sandbox, "import os\nprint(os.getuid())\nprint(open('/proc/self/status').read())")
        assert result.stdout.splitlines()[0] == "65534"
        assert "CapEff:\t0000000000000000" in result.stdout
