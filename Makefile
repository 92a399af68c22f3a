# The two commands of the README quickstart, and the pieces they are made of.
#   make run    install into .venv, load seed_data/ into the embedded store, print its stats
#   make test   install dev tools and Neo4j's jars, lint, type-check, run every test (starts a real Neo4j)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SEED   ?= seed_data

.PHONY: run test install install-dev lint typecheck neo4j-jars pytest

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

lint: install-dev
	$(BIN)/ruff check survgraph tests
	$(BIN)/ruff format --check survgraph tests

typecheck: install-dev
	$(BIN)/mypy

neo4j-jars:
	tools/neo4j/neo4j-test-server fetch

pytest: install-dev neo4j-jars
	$(BIN)/pytest

test: lint typecheck pytest
