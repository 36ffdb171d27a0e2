# carerdesk: make demo opens the application on a demo register; make test runs every test.
# Both create and fill .venv themselves, so a fresh machine needs only Python and pip.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench crash lint format check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/carerdesk demo

test: $(STAMP)
	$(BIN)/pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python -m bench

# Kills a saving desk 100 times and an import 12 times, then a desk on an encrypted register
# 30 times; exit 1 if a confirmed save is lost or a check fails.
crash: $(STAMP)
	$(BIN)/python -m bench.crash --kills 100 --import-kills 12
	$(BIN)/python -m bench.crash --kills 30 --import-kills 0 --encrypted

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
