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
API_PORT ?= 8000
UI_PORT ?= 8501
MLFLOW_PORT ?= 5000
DEMO_TRAFFIC_ROWS ?= 3000

.PHONY: help install lint chromium test test-fast bench bench-twin bench-api demo demo-stop twin train export serve package clean

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

chromium:  ## Debian's Chromium for the headless docs test (installed once, when absent)
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

test: lint chromium  ## Install, lint and run the whole test suite
	$(RUN) pytest -n 2

test-fast: install  ## Unit tests only (skips the slow data/model tests)
	$(RUN) pytest -m "not slow"

twin: install  ## Build the Home Credit twin into $(TWIN_DIR)
	$(RUN) credit twin --out $(TWIN_DIR) --train-rows $(DEMO_TRAIN_ROWS) --test-rows $(DEMO_TEST_ROWS)

bench: bench-twin bench-api  ## All heavy measurements (twin, then the scoring API)

bench-twin: install  ## Full-size twin: time and memory, plain LightGBM AUC, fidelity table
	$(RUN) python bench/twin_bench.py --out $(DATA_DIR)/bench

train: install  ## Train on $(TWIN_DIR) ($(PROFILE) profile), register in the local MLflow store
	$(RUN) credit train --data $(TWIN_DIR) --profile $(PROFILE) --data-dir $(DATA_DIR)

export: install  ## Export the champion as a versioned bundle into $(BUNDLE_DIR)
	$(RUN) credit export --to $(BUNDLE_DIR) --data-dir $(DATA_DIR)

demo: twin train export  ## Install, build the twin, train, export; serve API, UI and MLflow UI, replay traffic, build the drift report (Ctrl-C stops)
	$(RUN) python infra/local_demo.py start --data $(DATA_DIR) --bundle $(BUNDLE_DIR) \
		--api-port $(API_PORT) --ui-port $(UI_PORT) --mlflow-port $(MLFLOW_PORT) --traffic-rows $(DEMO_TRAFFIC_ROWS)

demo-stop:  ## Stop everything a running demo started
	$(RUN) python infra/local_demo.py stop --data $(DATA_DIR)

LAMBDA_BUILD := build/lambda
# provided by the Lambda python3.12 runtime (boto3 and what it needs): not packaged
RUNTIME_PROVIDED := botocore|boto3|s3transfer
# LightGBM imports scipy.sparse only (bench/lambda_smoke.py prints what is loaded): drop the rest
SCIPY_UNUSED := optimize stats io spatial signal interpolate fft fftpack ndimage integrate odr \
	misc differentiate datasets cluster

package: $(UV)  ## Build the Lambda package (python3.12, manylinux_2_28 wheels) and report its size
	rm -rf $(LAMBDA_BUILD) && mkdir -p $(LAMBDA_BUILD)
	$(UV) export --locked --only-group lambda --no-emit-project --no-hashes --format requirements-txt \
		| grep -vE '^($(RUNTIME_PROVIDED))==' > build/lambda-requirements.txt
	$(UV) pip install --quiet --target $(LAMBDA_BUILD) --python-platform x86_64-manylinux_2_28 \
		--python-version 3.12 --only-binary :all: --no-deps -r build/lambda-requirements.txt
	cp -r lambda/credit_core lambda/credit_api $(LAMBDA_BUILD)/
	cd $(LAMBDA_BUILD)/scipy && rm -rf $(SCIPY_UNUSED)
	# LightGBM links libgomp.so.1, absent from the Lambda runtime: ship the manylinux build that
	# scikit-learn's wheel vendors, in lib/ (on Lambda's LD_LIBRARY_PATH)
	$(TOOLS)/bin/python -m pip download --quiet --no-deps --only-binary :all: --dest build/wheels \
		--platform manylinux_2_28_x86_64 --python-version 3.12 \
		"scikit-learn==$$($(UV) export --locked --no-hashes --format requirements-txt | sed -n 's/^scikit-learn==\([^ ;]*\).*/\1/p' | head -1)"
	mkdir -p $(LAMBDA_BUILD)/lib
	$(PYTHON) -c 'import glob, zipfile, sys; w = zipfile.ZipFile(glob.glob("build/wheels/scikit_learn-*.whl")[0]); \
		name = next(n for n in w.namelist() if "libgomp" in n); \
		open(sys.argv[1], "wb").write(w.read(name))' $(LAMBDA_BUILD)/lib/libgomp.so.1
	find $(LAMBDA_BUILD) -depth \( -name tests -o -name __pycache__ -o -name '*.pyi' \) -type d -exec rm -rf {} +
	find $(LAMBDA_BUILD) -name '*.pyc' -delete
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 12), "bytecode must be built by python3.12"'
	$(PYTHON) -m compileall -q -j 0 $(LAMBDA_BUILD)
	$(PYTHON) bench/lambda_package_report.py $(LAMBDA_BUILD)

# the API benchmark needs an exported bundle: the demo's steps, without serving
$(BUNDLE_DIR)/current.json:
	$(MAKE) twin train export

bench-api: install package $(BUNDLE_DIR)/current.json  ## API latency, throughput, cold init; package smoke
	$(RUN) python bench/api_bench.py --data $(DATA_DIR) --package $(LAMBDA_BUILD) --python312 $(PYTHON)
	LD_LIBRARY_PATH=$(LAMBDA_BUILD)/lib $(PYTHON) -I -S bench/lambda_smoke.py $(LAMBDA_BUILD) \
		$(BUNDLE_DIR) .venv/lib/python3.12/site-packages

serve: install  ## Serve the scoring API locally on the exported bundle
	$(RUN) credit serve --bundle $(BUNDLE_DIR) --port $(API_PORT) --log-uri $(DATA_DIR)/requests

clean:  ## Remove generated data and environments
	rm -rf $(DATA_DIR) build .venv $(TOOLS) .pytest_cache .ruff_cache
