# WebNova: two commands from a fresh clone.
#   make run   -> venv, install, migrate the embedded database, compile catalogs, start the UI
#   make test  -> venv, install, make sure PostgreSQL is reachable, lint, type-check, run the tests
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_ENV = eval "$$(scripts/ensure-postgres.sh)"

.PHONY: run test test-slow lint typecheck catalogs catalogs-sync bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

catalogs: $(STAMP)
	@$(BIN)/webnova i18n compile >/dev/null

catalogs-sync: $(STAMP)
	$(BIN)/python scripts/sync_catalogs.py

run: $(STAMP) catalogs
	$(BIN)/webnova db upgrade
	$(BIN)/webnova ui

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) catalogs lint typecheck
	@scripts/ensure-sandbox-tools.sh --typescript
	$(PG_ENV) && $(BIN)/pytest

# Slow acceptance suites (generated projects, real browser); CI runs them after `make test`.
test-slow: $(STAMP) catalogs
	@scripts/ensure-chromium.sh
	@scripts/ensure-sandbox-tools.sh --typescript
	$(PG_ENV) && $(BIN)/pytest -m slow

bench: $(STAMP)
	$(PG_ENV) && for b in $$($(BIN)/python -c "from webnova.benchkit import available_benchmarks as a; print(' '.join(a()))"); do $(BIN)/webnova bench $$b; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-artifacts
