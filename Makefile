# The two commands of the README's quick start. Both set everything up first (idempotent,
# quiet when there is nothing to do).
.PHONY: run test setup lint snapshot-update

run: setup
	@.venv/bin/assistant

test: setup
	@.venv/bin/pytest -q

setup:
	@scripts/setup.sh

lint:
	@.venv/bin/ruff check core tui tests bench

snapshot-update: setup
	@.venv/bin/pytest -q tests/tui --snapshot-update
