# Two commands from a fresh clone: `make synth` and `make test`. Everything else is optional.
# `make synth` installs only what synthesis needs; `make test` adds the test tools.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

PYTHON ?= python3
VENV := .venv
PY := $(CURDIR)/$(VENV)/bin/python
NODE_BIN := $(CURDIR)/node_modules/.bin
REGION ?=
# `make test` runs on one worker per core (pytest-xdist); each test file stays on one worker.
# TEST_WORKERS= runs the suite in one process.
TEST_WORKERS ?= -n auto --dist loadfile

# jsii runs aws-cdk-lib on Node; use the pinned Node 22 from package.json, not the
# system's (Debian ships 18; 20 prints an end-of-life banner on every synth).
export JSII_NODE := $(NODE_BIN)/node
export PATH := $(NODE_BIN):$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE := 1
CDK := $(NODE_BIN)/cdk
# Offline synth: no credentials, no profile, no instance metadata, so the CLI never looks
# anything up and the app synthesizes account-agnostic (README: "Quick start"; why such a
# cdk.out is not deployed: "Deploy, verify, destroy").
OFFLINE := env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	-u CDK_DEFAULT_ACCOUNT AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
	AWS_EC2_METADATA_DISABLED=true

.PHONY: help setup setup-dev synth lint test prove mutate bootstrap lookup deploy verify destroy clean fence-ids deploy-fence deploy-fleet

# What synthesis needs (requirements.txt): aws-cdk-lib, cdk-nag, rich for the summary.
.make/venv: requirements.txt
	@mkdir -p .make
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

# The tests, the verify CLI and the local rehearsal (requirements-dev.txt).
.make/venv-dev: .make/venv requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

.make/node: package.json package-lock.json
	@mkdir -p .make
	npm ci --no-audit --no-fund --loglevel=error
	@$(JSII_NODE) --version | grep -q '^v22\.' || { echo "node_modules/.bin/node is not Node 22" >&2; exit 1; }
	@touch $@

# checkov has its own virtualenv: it pins boto3/botocore/packaging/networkx versions that
# would downgrade the ones the app, the probe tests and cfn-lint use.
CHECKOV_VENV := .venv-checkov
.make/checkov: requirements-checkov.txt
	@mkdir -p .make
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# cfn-guard and the AWS Control Tower proactive controls, as @cdklabs/cdk-validator-cfnguard ships
# them (its rules and a static cfn-guard binary), in their own npm folder: the tests run the
# binary on the templates (private_bedrock/tools/dev/cfn_guard.py), nothing loads the package into the app.
.make/guard: guard/package.json guard/package-lock.json guard/.npmrc
	@mkdir -p .make
	cd guard && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The probe's wheels (pip --platform ...) are fetched here, once, so synth and the tests
# work from the cache in .cache/ without reaching PyPI.
.make/probe-deps: .make/venv lambda_src/probe/requirements.txt private_bedrock/probe/bundling.py
	$(PY) -m private_bedrock.probe.bundling
	@touch $@

# The same wheels for this machine's Python: only the bundling tests and the bench need them.
.make/probe-deps-host: .make/venv lambda_src/probe/requirements.txt private_bedrock/probe/bundling.py
	$(PY) -m private_bedrock.probe.bundling --host
	@touch $@


# `make help`: every target with the text after its `##`.
help: ## list the targets
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-z-]+:[^#]*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: .make/venv .make/node .make/probe-deps ## install what synthesis needs (.venv, Node 22 and the CDK CLI, the probe's wheels)
setup-dev: setup .make/venv-dev .make/probe-deps-host .make/checkov .make/guard ## also install the test tools, checkov and cfn-guard

# The CLI's own chatter (asset bundling, "Supply a stack id", unconfigured feature flags) goes
# to .make/synth.log and is shown only when synthesis fails; the summary says what was built.
SYNTH = $(CDK) synth --no-notices --quiet $(CDK_ARGS) > .make/synth.log 2>&1 || { cat .make/synth.log >&2; exit 1; }

synth: setup ## synthesize every configured region offline into cdk.out and print what was built
	@echo "synthesizing offline (CLI output: .make/synth.log) ..."
	@# Into cdk.out.new, moved over cdk.out only on success: a failed synth keeps the last good assembly.
	@rm -rf cdk.out.new
	@$(OFFLINE) $(CDK) synth --no-notices --quiet -o cdk.out.new $(CDK_ARGS) > .make/synth.log 2>&1 || \
		{ rm -rf cdk.out.new; cat .make/synth.log >&2; echo "synth failed: cdk.out still holds the previous synth" >&2; exit 1; }
	@rm -rf cdk.out && mv cdk.out.new cdk.out
	@$(PY) -m private_bedrock synth-report cdk.out

# pyflakes and bugbear findings (ruff), types (mypy) of private_bedrock/, stacks/ and app.py:
# the rules and their reasons are in pyproject.toml. About 1 s, or 10 s with mypy's cache empty.
lint: setup-dev ## ruff and mypy (pyproject.toml); make test runs it first
	$(PY) -m ruff check --quiet --no-cache .
	$(PY) -m mypy

test: setup-dev lint ## lint, then run the whole test suite (installs the test tools first)
	REQUIRE_CHECKOV=1 $(PY) -m pytest -q $(TEST_WORKERS) $(PYTEST_ARGS)

# The IAM matrix of what the last `make synth` built (CDK_OUT=<dir> for another cloud assembly;
# PROVE_ARGS: --fence, --no-fence, --markdown, --json, --width N; docs/proving-and-verifying.md).
CDK_OUT ?= cdk.out
prove: setup ## evaluate the IAM matrix of the last synth (CDK_OUT=dir for another assembly; PROVE_ARGS=--fence|--markdown|--json)
	$(PY) -m private_bedrock prove $(CDK_OUT) $(PROVE_ARGS)

# Mutation testing of the pure modules (setup.cfg [mutmut]); results: `mutants/`, summary in
# docs/internals.md. Not part of `make test`: it runs the fast tests once per mutant.
.make/venv-mutate: .make/venv-dev requirements-mutate.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-mutate.txt
	@touch $@

# PROVE_SIMULATION_CACHE: simulator results kept by exact input (private_bedrock/tools/prove/simulation_cache.py),
# so each mutant re-simulates only the matrix cells its change touches.
mutate: setup-dev .make/venv-mutate ## mutation-test the pure policy builders (long; results in mutants/)
	PROVE_SIMULATION_CACHE=$(CURDIR)/mutants/.simulations $(VENV)/bin/mutmut run --max-children $(shell nproc)
	$(VENV)/bin/mutmut results --all true | $(PY) -m private_bedrock mutation-summary

# With credentials: bootstrap the configured regions (or REGION) of the credentials' account.
bootstrap: setup ## with credentials: CDK-bootstrap the configured regions (or REGION)
	$(CDK) bootstrap --no-notices $(if $(REGION),-c regions=$(REGION)) $(CDK_ARGS)

# With credentials: ask the account (endpoint services, profile destinations, model catalog;
# private_bedrock/tools/lookup/account.py, boto3) and cache the answers in cdk.context.json, which synthesis then
# prefers to the documented table (docs/models-and-residency.md).
LOOKUP = $(PY) -m private_bedrock lookup $(if $(filter-out all,$(REGION)),--region $(REGION)) $(CDK_ARGS)
lookup: setup-dev ## with credentials: ask the account and cache the answers in cdk.context.json
	$(LOOKUP)

# Deploy exactly what was synthesized and checked: look up (cached in cdk.context.json), synth
# (with credentials: CDK's own lookups cached there too), refuse a region the configuration
# does not build, deploy the assembly.
# CDK_ARGS: context (-c key=value) for the lookup and the synth; DEPLOY_ARGS: options of `cdk deploy`.
deploy: setup-dev ## with credentials: look up, synthesize and deploy REGION=<region>|all
	@test -n "$(REGION)" || { echo "Usage: make deploy REGION=<region>|all" >&2; exit 2; }
	$(LOOKUP)
	rm -rf cdk.out
	@$(SYNTH)
	@$(PY) -m private_bedrock.tools.report.assembly cdk.out $(if $(filter all,$(REGION)),,--require-region $(REGION))
	$(CDK) deploy --no-notices --app cdk.out $(if $(filter all,$(REGION)),'PrivateBedrock-*',PrivateBedrock-$(REGION)) $(DEPLOY_ARGS)

# FLEET=<cdk.out of a fleet synth, or a JSON file of StackSet instances>: every account and
# region the StackSets delivered to, with the administrator account's credentials
# (VERIFY_ARGS: --json, --resume after an interruption, --workers N; private_bedrock/tools/verify/fleet.py).
verify: setup-dev ## with credentials: prove the deployed REGION=<region>, or FLEET=<cdk.out or instances.json>
	@test -n "$(REGION)$(FLEET)" || { echo "Usage: make verify REGION=<region> | make verify FLEET=<cdk.out or instances.json>" >&2; exit 2; }
	$(PY) -m private_bedrock verify $(if $(FLEET),--fleet $(FLEET),--region $(REGION)) $(VERIFY_ARGS)

destroy: setup ## with credentials: delete the stack of REGION=<region>
	@test -n "$(REGION)" || { echo "Usage: make destroy REGION=<region>" >&2; exit 2; }
	rm -rf cdk.out
	@$(SYNTH)
	@$(PY) -m private_bedrock.tools.report.assembly cdk.out --require-region $(REGION)
	$(CDK) destroy --no-notices --app cdk.out PrivateBedrock-$(REGION) $(DEPLOY_ARGS)

# The organisation fence (docs/organisation-fence.md). fence-ids: with the regional stacks'
# account credentials, store their endpoint ids in cdk.context.json. deploy-fence: with the
# management account's credentials, create the SCPs (needs fence.enabled in cdk.json).
# ('PrivateBedrock-*' above keeps `make deploy REGION=all` away from the fence stack.)
fence-ids: setup-dev ## with the workload account's credentials: store the endpoint ids for the fence
	$(PY) -m private_bedrock fence-ids $(FENCE_IDS_ARGS)

deploy-fence: setup ## with the management account's credentials: create the organisation fence's SCPs
	rm -rf cdk.out
	@$(SYNTH)
	$(CDK) deploy --no-notices --app cdk.out PrivateBedrockFence $(DEPLOY_ARGS)

# The StackSets delivery (docs/stacksets.md): with the
# administrator account's credentials, the asset bucket stacks, then the StackSets.
deploy-fleet: setup ## with the administrator account's credentials: deploy the StackSets rollout
	rm -rf cdk.out
	@$(SYNTH)
	$(CDK) deploy --no-notices --app cdk.out 'PrivateBedrockFleetAssets-*' PrivateBedrockFleet $(DEPLOY_ARGS)

clean: ## remove cdk.out, the install stamps, the caches and the scanner environments
	rm -rf cdk.out .make .cache $(CHECKOV_VENV) guard/node_modules
