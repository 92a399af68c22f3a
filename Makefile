# The two commands of the README quickstart, and the pieces they are made of.
#   make run    install into .venv, load seed_data/ into the embedded store, print its stats, serve the API
#   make test   install dev tools, Neo4j's jars and the browser driver, lint, type-check, run every test
#               (starts a real Neo4j and drives Debian's Chromium)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= seed_data

.PHONY: run test install install-dev lint typecheck neo4j-jars browser-deps pytest

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

neo4j-jars:
	tools/neo4j/neo4j-test-server fetch

# playwright-core for the viz browser tests (tests/browser/package-lock.json); Chromium comes from Debian.
browser-deps:
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error

pytest: install-dev neo4j-jars browser-deps
	$(BIN)/pytest

test: lint typecheck pytest
