# hikkoshi — the two commands a newcomer needs:
#   make demo   set everything up and run the whole system on SQLite (PORT=N to choose the port)
#   make federation-demo  three peered portals on this machine (sapporo, kanto, kansai; BASE_PORT=N)
#   make test   set everything up, run the checks (scripts/check: import contracts, ruff, mypy) and
#               the whole test suite (SQLite with coverage, and PostgreSQL if present)
PORT ?= 8000
BASE_PORT ?= 8000

.PHONY: setup demo federation-demo test bench clean

setup:
	@scripts/setup

demo: setup
	.venv/bin/hikkoshi demo --port $(PORT)

federation-demo: setup
	.venv/bin/hikkoshi federation demo --base-port $(BASE_PORT)

test:
	@scripts/setup --test
	scripts/check
	scripts/test

bench: setup
	.venv/bin/hikkoshi bench search
	.venv/bin/hikkoshi bench documents
	.venv/bin/hikkoshi bench delivery

clean:
	rm -rf .venv var
