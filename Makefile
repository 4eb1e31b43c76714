# SwarmDeck: `make up` runs the product, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
WEB_DIST := src/swarmdeck/web_dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json $(wildcard web/vite.config.* web/tsconfig*.json)

.PHONY: install up test test-fast lint format bench api-types lock clean

install: $(PY_STAMP) $(WEB_DIST)

$(PY_STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_DIST): web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

up: install
	$(BIN)/swarmdeck up

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not e2e and not slow"

lint: $(PY_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy --strict

format: $(PY_STAMP)
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	$(BIN)/python -m bench

# Regenerate the dashboard's API types from the app's OpenAPI document.
api-types: $(PY_STAMP) web/node_modules/.package-lock.json
	$(BIN)/swarmdeck openapi > web/openapi.json
	cd web && npm run gen:api

# Re-resolve the pinned dependency sets after editing pyproject.toml.
lock:
	uv pip compile pyproject.toml --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements-dev.lock

clean:
	rm -rf $(VENV) web/node_modules src/swarmdeck/web_dist .pytest_cache .mypy_cache .ruff_cache
