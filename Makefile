# Two commands do all the set-up on a fresh machine with only Python 3.11+:
#   make run    install, migrate, seed demo data once, start web + worker + cron
#   make test   install the test dependencies and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/python scripts/devstack.py

# One test process per core (pytest-xdist), each with its own database, Redis database and
# instance folder; a module's tests stay in one process. PYTEST_ARGS= runs them in one.
PYTEST_ARGS ?= -n auto --dist loadfile

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) instance .pytest_cache
