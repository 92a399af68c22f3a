# The two commands of the README quickstart, and the pieces they are made of.
#   make run    install into .venv, load seed_data/ into the embedded store, print its stats, serve the API
#   make test   install what the tests need (Debian's Java, Maven, Node.js and Chromium where we may install
#               them, else a message naming them; dev tools, Neo4j's jars, the browser driver), lint,
#               type-check, run every test (starts a real Neo4j and drives Debian's Chromium)
#   make bench  the benchmark harness: survgraph vs the plain engine, same work, same run (BENCH_ARGS=...)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= seed_data

.PHONY: run test bench install install-dev system-deps lint typecheck neo4j-jars gephi-jars browser-deps pytest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"

run: install
	$(BIN)/survgraph load $(SEED)
	$(BIN)/survgraph stats
	$(BIN)/survgraph serve --seed $(SEED)

lint: install-dev
	$(BIN)/ruff check survgraph tests
	$(BIN)/ruff format --check survgraph tests

typecheck: install-dev
	$(BIN)/mypy

# Java, Maven, Node.js, Chromium: installed from Debian where we run as root (or have sudo), else named.
system-deps:
	tools/system-deps

neo4j-jars: system-deps
	tools/neo4j/neo4j-test-server fetch

# Gephi's own importer, to open the GEXF/GraphML exports in the tests (tools/gephi/).
gephi-jars: system-deps
	tools/gephi/gephi-read fetch >/dev/null

# playwright-core for the viz browser tests (tests/browser/package-lock.json); Chromium comes from Debian.
browser-deps: system-deps
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

# Two pytest-xdist workers, a test module each at a time (each worker starts its own Neo4j on a free port):
# 16.7 min against 25.7 serial for the whole suite on the 2-core machine. PYTEST_ARGS= runs it serially;
# add e.g. "--durations=30". NEO4J_URI (an outside server) needs a serial run: workers would share it.
PYTEST_ARGS ?= -n 2 --dist loadfile
pytest: install-dev neo4j-jars gephi-jars browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# e.g. make bench BENCH_ARGS="--sizes 100000"; make bench BENCH_ARGS="--profile full" (docs/performance.md)
BENCH_ARGS ?=
bench: install-dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)
