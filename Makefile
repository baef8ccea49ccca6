# The one place commands live. README and CI call these targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= reports/out/demo

# Every run starts Python processes (the reference, the suites, locust): let them keep their
# compiled bytecode, which some machines switch off, or each start costs seconds more.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test lint format browser validators ui-assets clean bench

# A virtualenv with the project installed (editable) and its development tools.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip uv
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) browser validators ui-assets

# The Department's return validators (csc-validator-be-903, csc-validator-be-cin; MIT) pin
# pandas below 2 and import pytest: they get their own virtualenv, which the returns suite runs
# as a subprocess. The packages and versions are those specs/returns.yaml names.
VALIDATORS := .venv-validators
VALIDATORS_STAMP := $(VALIDATORS)/.installed
$(VALIDATORS_STAMP): specs/returns.yaml $(STAMP)
	@test -x $(VALIDATORS)/bin/python || $(PYTHON) -m venv $(VALIDATORS)
	@$(VALIDATORS)/bin/python -m pip install --quiet --upgrade pip
	@$(VALIDATORS)/bin/python -m pip install --quiet $$($(BIN)/python -m accredit.returns_spec) pytest
	@touch $(VALIDATORS_STAMP)

validators: $(VALIDATORS_STAMP)

# The reference's web UI is styled with GOV.UK Frontend from the npm registry, at the version
# reference_impl/ui/package-lock.json pins. Without npm the screens work, unstyled.
UI := reference_impl/ui
FRONTEND := $(UI)/node_modules/govuk-frontend/package.json
ui-assets: $(FRONTEND)
$(FRONTEND): $(UI)/package.json $(UI)/package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's npm (once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(UI) --no-audit --no-fund --silent && touch $@; \
	else \
	  echo "npm not found: the reference's screens will be unstyled (install Node.js and npm)"; \
	fi

# Later suites drive a real browser. Debian's chromium works with Playwright through
# executable_path; machines with internet access can use `playwright install chromium` instead.
browser:
	@if command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium (once)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "chromium not found: install it (sudo apt-get install chromium) or run 'playwright install chromium'"; \
	fi

demo: setup
	@$(BIN)/accredit demo --out $(OUT)

# Two passes: the tests that only check behaviour run on two workers (pytest-xdist; a module's
# shared fixtures stay on one worker through xdist_group), then those that measure time or load
# run alone, so nothing else on the machine moves their figures.
test: setup
	@$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not alone"
	@$(BIN)/python -m pytest -q -m alone

# The reference at county scale (1.1 M rows, built once into $(BENCH_OUT)) under the bench
# plan's busy hour, each run bounded to BENCH_SECONDS; search p95 at 100k vs 1M notes.
# BENCH_WORKERS=N runs locust as a master and N workers.
BENCH_OUT ?= reports/out/bench
BENCH_SECONDS ?= 120
BENCH_WORKERS ?= 0
bench: $(STAMP)
	@$(BIN)/python -m load.bench --seconds $(BENCH_SECONDS) --workers $(BENCH_WORKERS) --out $(BENCH_OUT)

lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy

format: $(STAMP)
	@$(BIN)/ruff format .
	@$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(VALIDATORS) reports/out build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis $(UI)/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
