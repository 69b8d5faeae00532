# All Aboard: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
PYTEST_WORKERS ?= auto
BIN := $(VENV)/bin

.PHONY: demo test test-postgres lint format serve worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: build the demo organisation in var/ (SQLite) and serve it on http://127.0.0.1:$(PORT)
demo: $(VENV)/.installed
	$(BIN)/allaboard demo --port $(PORT)

## test: install test dependencies and run the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
test: $(VENV)/.installed-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

serve: $(VENV)/.installed
	$(BIN)/allaboard serve --port $(PORT)

worker: $(VENV)/.installed
	$(BIN)/allaboard worker

bench: $(VENV)/.installed-test
	$(BIN)/pip install -q -e '.[bench]'
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var build src/*.egg-info
