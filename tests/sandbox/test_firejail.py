"""The Firejail executor against real programs: the same contract as bubblewrap, with the
weaker behaviours the README's security table documents asserted as such."""

import shutil

import pytest

from core.sandbox.base import RunStatus
from core.sandbox.firejail import FirejailSandbox, unavailable_reason
from tests.conftest import require
from tests.sandbox.host_contract import LIMITS, HostSandboxContract, home_secret, run  # noqa: F401 - fixture

pytestmark = pytest.mark.firejail


@pytest.fixture(scope="module")
def sandbox():
    require(shutil.which("firejail") is not None and unavailable_reason() is None, "firejail")
    box = FirejailSandbox()
    yield box
    box.close()


class TestFirejailSandbox(HostSandboxContract):
    def test_results_say_isolated_and_firejail(self, sandbox):
        result = run(sandbox, "print(1)")
        assert (result.isolated, result.sandbox) == (True, "firejail")

    def test_the_program_has_no_capabilities_and_no_new_privileges(self, sandbox):
        status = run(sandbox, "print(open('/proc/self/status').read())").stdout
        assert "CapEff:\t0000000000000000" in status
        assert "NoNewPrivs:\t1" in status
        assert "Seccomp:\t2" in status

    def test_filling_many_files_stops_at_the_disk_limit(self, sandbox):
        """Weaker than bwrap and Docker: Firejail cannot size the private work dir, so only each
        file is bounded (RLIMIT_FSIZE); the total is bounded by the wall clock and the host's disk."""
        result = run(sandbox, self.MANY_FILES)
        assert result.status == RunStatus.OK, result
        assert result.stdout.split() == ["NOLIMIT", "64"]
        assert 64 > LIMITS.disk_mb
