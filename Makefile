# The two commands: `make dev` runs the platform on its embedded default, `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE_PLUGINS := examples/jifen-sanitation-bonus
export JIFEN_INSTANCE_PATH ?= $(CURDIR)/instance
DEV_PORT ?= 5000

.PHONY: dev test test-fast test-sqlite install translations messages bench clean

# The example plugins are their own packages, installed (editable) so that their tests run in the suite.
$(STAMP): pyproject.toml $(EXAMPLE_PLUGINS:%=%/pyproject.toml)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps $(EXAMPLE_PLUGINS:%=-e %)
	@touch $(STAMP)

# axe-core for the browser tests' accessibility check, from the npm registry (package-lock.json); without npm
# the browser tests that need it skip and say so (CI requires them: JIFEN_REQUIRE_BROWSER=1).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $(NODE_STAMP); \
	else echo "npm not found: the accessibility checks of the browser tests will be skipped"; fi

install: $(STAMP) $(NODE_STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d core/jifen/translations

# Extract new strings and merge them into the catalogues (then translate core/jifen/translations/*/LC_MESSAGES/messages.po).
messages: $(STAMP)
	$(BIN)/pybabel -q extract -F core/jifen/babel.cfg -k _l -k lazy_gettext -o core/jifen/translations/messages.pot core plugins
	$(BIN)/pybabel -q update -i core/jifen/translations/messages.pot -d core/jifen/translations --no-fuzzy-matching

dev: install
	$(BIN)/jifen db upgrade
	$(BIN)/jifen tenants load
	$(BIN)/jifen demo accounts
	@echo "Serving http://127.0.0.1:$(DEV_PORT)/  (counties: /jiashan/ /haining/)"
	$(BIN)/jifen run --host 127.0.0.1 --port $(DEV_PORT)

# Tests run in parallel (pytest-xdist), one worker per core; PYTEST_WORKERS=0 runs them in one process.
PYTEST_WORKERS ?= auto

# The whole suite, on SQLite and on PostgreSQL (skipped, and said so, when PostgreSQL is not reachable),
# the type checker and the slow tests included.
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The loop while working: SQLite only, without the tests marked slow.
test-fast: install
	JIFEN_TEST_DATABASES=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" $(PYTEST_ARGS)

test-sqlite: install
	JIFEN_TEST_DATABASES=sqlite $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules
