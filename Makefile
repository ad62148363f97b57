# Two commands from a fresh clone: `make synth` and `make test`. Everything else is optional.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
NODE_BIN := $(CURDIR)/node_modules/.bin
REGION ?=

# jsii runs aws-cdk-lib on Node; use the pinned Node 22 from package.json, not the
# system's (Debian ships 18; 20 prints an end-of-life banner on every synth).
export JSII_NODE := $(NODE_BIN)/node
export PATH := $(NODE_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1
CDK := $(NODE_BIN)/cdk
# Offline synth: no credentials, no profile, no instance metadata, so the CLI never looks
# anything up and the app synthesizes account-agnostic (README: "Offline synth").
OFFLINE := env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	-u CDK_DEFAULT_ACCOUNT AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
	AWS_EC2_METADATA_DISABLED=true

.PHONY: setup synth test prove lookup deploy verify destroy clean

.make/venv: requirements.txt requirements-dev.txt
	@mkdir -p .make
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

.make/node: package.json package-lock.json
	@mkdir -p .make
	npm ci --no-audit --no-fund --loglevel=error
	@$(JSII_NODE) --version | grep -q '^v22\.' || { echo "node_modules/.bin/node is not Node 22" >&2; exit 1; }
	@touch $@

# The probe's wheels (pip --platform ...) are fetched here, once, so synth and the tests
# work from the cache in .cache/ without reaching PyPI.
.make/probe-deps: .make/venv lambda_src/probe/requirements.txt stacks/probe_bundling.py
	$(PY) -m stacks.probe_bundling
	@touch $@

setup: .make/venv .make/node .make/probe-deps

synth: setup
	rm -rf cdk.out
	$(OFFLINE) $(CDK) synth --no-notices --quiet $(CDK_ARGS)
	$(PY) -m tools.summary cdk.out

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

prove: setup
	$(PY) -m pytest tests/security/test_iam_matrix.py -s $(PYTEST_ARGS)

# With credentials: ask the account (endpoint services, profile destinations, model catalog)
# and cache the answers in cdk.context.json, which synthesis then prefers to the documented table.
lookup: setup
	$(PY) -m tools.lookup $(if $(filter-out all,$(REGION)),--region $(REGION)) $(CDK_ARGS)

deploy: setup
	@test -n "$(REGION)" || { echo "Usage: make deploy REGION=<region>|all" >&2; exit 2; }
	$(PY) -m tools.lookup $(if $(filter-out all,$(REGION)),--region $(REGION)) $(CDK_ARGS)
	$(CDK) deploy --no-notices $(if $(filter all,$(REGION)),--all,PrivateBedrock-$(REGION)) $(CDK_ARGS)

verify: setup
	@test -n "$(REGION)" || { echo "Usage: make verify REGION=<region>" >&2; exit 2; }
	$(PY) -m tools.verify --region $(REGION) $(VERIFY_ARGS)

destroy: setup
	@test -n "$(REGION)" || { echo "Usage: make destroy REGION=<region>" >&2; exit 2; }
	$(CDK) destroy --no-notices PrivateBedrock-$(REGION) $(CDK_ARGS)

clean:
	rm -rf cdk.out .make .cache
