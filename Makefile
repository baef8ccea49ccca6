# The one place commands live. README and CI call these targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT ?= reports/out/demo

.PHONY: setup demo test lint format browser validators clean bench

# A virtualenv with the project installed (editable) and its development tools.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip uv
	@$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP) browser validators

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
	rm -rf $(VENV) $(VALIDATORS) reports/out build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
