"""Shared test fixtures.

Tests that need real parts (a Docker engine, bubblewrap, Firejail, the embedded model) call
`require(...)`: it skips when the part is missing, except when ASSISTANT_REQUIRE_INTEGRATION=1
(set by `make test` and CI), where a missing part fails the test instead.
"""

import os

import pytest

REQUIRE_INTEGRATION = os.environ.get("ASSISTANT_REQUIRE_INTEGRATION") == "1"


def require(available: bool, what: str) -> None:
    """Skip (or, under ASSISTANT_REQUIRE_INTEGRATION=1, fail) unless `available`."""
    if available:
        return
    if REQUIRE_INTEGRATION:
        pytest.fail(f"{what} is required (ASSISTANT_REQUIRE_INTEGRATION=1) but missing")
    pytest.skip(f"{what} is not available")
