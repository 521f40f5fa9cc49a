# Two commands do all the set-up on a fresh machine with only Python 3.11+:
#   make run    install, migrate, seed demo data once, start web + worker + cron
#   make test   install the test dependencies and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: run test lint typecheck format lock translations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The locks (requirements*.txt) carry every package with its hashes: pip refuses anything else.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/python scripts/devstack.py

# One test process per core (pytest-xdist), each with its own database, Redis database and
# instance folder; a module's tests stay in one process. PYTEST_ARGS= runs them in one.
PYTEST_ARGS ?= -n auto --dist loadfile

test: $(VENV)/.dev-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, then mypy over dashboard/ (pyproject.toml's [tool.mypy]); CI runs this.
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin after editing requirements.in or requirements-dev.in: pins already in the locks are kept
# (add --upgrade-package NAME to PIP_COMPILE_ARGS to move one); the dev lock includes the runtime one.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)

lock: $(VENV)/.dev-installed
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-dev.txt requirements-dev.in

# After changing any words in the pages, the emails or the Python: extract them into the template
# (messages.pot), bring every language's catalogue up to date (new words appear untranslated,
# changed ones fuzzy), then compile the catalogues the app reads (.mo, committed with the .po).
# A new language: $(BIN)/pybabel init -i dashboard/translations/messages.pot -d dashboard/translations -l xx
translations: $(VENV)/.dev-installed
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --omit-header \
		-k N_ -o dashboard/translations/messages.pot dashboard
	$(BIN)/pybabel -q update -i dashboard/translations/messages.pot -d dashboard/translations \
		--no-wrap --ignore-obsolete
	$(BIN)/pybabel compile -d dashboard/translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache
