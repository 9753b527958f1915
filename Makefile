# Single entry point. `make demo` and `make test` work on a fresh machine with only python3 and make.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
# Prefer python3.12 (the Lambda runtime); pyenv shims that cannot run are skipped.
PYTHON ?= $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys' >/dev/null 2>&1 && { command -v $$p; break; }; done)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --locked --no-sync

DATA_DIR ?= data
TWIN_DIR ?= $(DATA_DIR)/twin
DEMO_TRAIN_ROWS ?= 100000
DEMO_TEST_ROWS ?= 20000
BUNDLE_DIR ?= $(DATA_DIR)/bundles
PROFILE ?= fast

.PHONY: help install lint test test-fast bench demo twin train export clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PYTHON)" || { echo "no python3 found" >&2; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

install: $(UV)  ## Create .venv from the lock file
	$(UV) sync --locked --python "$(PYTHON)"

lint: install  ## ruff check + ruff format --check
	$(RUN) ruff check .
	$(RUN) ruff format --check .

test: lint  ## Install, lint and run the whole test suite
	$(RUN) pytest -n 2

test-fast: install  ## Unit tests only (skips the slow data/model tests)
	$(RUN) pytest -m "not slow"

twin: install  ## Build the Home Credit twin into $(TWIN_DIR)
	$(RUN) credit twin --out $(TWIN_DIR) --train-rows $(DEMO_TRAIN_ROWS) --test-rows $(DEMO_TEST_ROWS)

bench: install  ## Heavy measurements (full-size twin time and memory, twin AUC, fidelity table)
	$(RUN) python bench/twin_bench.py --out $(DATA_DIR)/bench

train: install  ## Train on $(TWIN_DIR) ($(PROFILE) profile), register in the local MLflow store
	$(RUN) credit train --data $(TWIN_DIR) --profile $(PROFILE) --data-dir $(DATA_DIR)

export: install  ## Export the champion as a versioned bundle into $(BUNDLE_DIR)
	$(RUN) credit export --to $(BUNDLE_DIR) --data-dir $(DATA_DIR)

demo: twin train export  ## Install, build the twin, train, export, and show where everything is
	@echo
	@echo "Demo outputs:"
	@echo "  twin data      $(abspath $(TWIN_DIR))/application_train.csv, application_test.csv"
	@echo "  drift manifest $(abspath $(TWIN_DIR))/drift_manifest.json"
	@echo "  MLflow store   sqlite:///$(abspath $(DATA_DIR))/mlflow/mlflow.db"
	@echo "                 browse: $(RUN) mlflow ui --backend-store-uri sqlite:///$(abspath $(DATA_DIR))/mlflow/mlflow.db"
	@echo "  model bundle   $(abspath $(BUNDLE_DIR))/ (current.json points to the served version)"
	@echo "  CLI            $(RUN) credit --help"

clean:  ## Remove generated data and environments
	rm -rf $(DATA_DIR) .venv $(TOOLS) .pytest_cache .ruff_cache
