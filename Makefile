# The two set-up commands (README): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?= config.toml

.PHONY: run test test-quick lint check clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "topicwire needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/topicwire -c $(CONFIG) run

check: $(VENV)/.installed
	$(BIN)/topicwire -c $(CONFIG) check

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

test-quick: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m 'not slow'

lint: $(VENV)/.installed-test
	$(BIN)/ruff check topicwire tests bench
	$(BIN)/mypy topicwire

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
