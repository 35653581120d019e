# Two commands matter: `make demo` and `make test`. Both build .venv from the hash-pinned lock.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
# checkov pins an older boto3 than the project: it gets a venv of its own.
TOOLS_VENV := .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed
TOOLS_LOCK := requirements/tools.lock
# The optional named-entity backend of `secure-mlops redact --deep`, installed into .venv over the
# project's lock (deep.lock is resolved with lock.txt as constraints, so no shared pin moves).
DEEP_STAMP := $(VENV)/.deep-installed
DEEP_LOCK := requirements/deep.lock
# A CycloneDX SBOM of each lock (`make sbom`), made by cyclonedx-bom from the project lock, with
# the arguments of secure_mlops.packaging.sbom.CYCLONEDX_ARGS (a unit test holds them equal):
# reproducible, so the same lock always gives the same bytes. SOURCE_DATE_EPOCH is unset: the tool
# would otherwise write it as a timestamp. A build output, not committed.
SBOM_DIR := sbom
SBOM_LOCKS := $(LOCK) requirements/inference.lock $(TOOLS_LOCK) $(DEEP_LOCK)
SBOMS := $(foreach lock,$(SBOM_LOCKS),$(SBOM_DIR)/$(basename $(notdir $(lock))).cdx.json)
CYCLONEDX := env -u SOURCE_DATE_EPOCH $(BIN)/cyclonedx-py requirements --output-reproducible --spec-version 1.6 --output-format JSON
# prometheus and promtool (the alert rule tests) from Debian's package, unpacked into the
# checkout: no system-wide install, no root needed once apt's package lists are there.
PROMETHEUS := $(TOOLS_VENV)/prometheus
PROMETHEUS_STAMP := $(PROMETHEUS)/.installed
SHELLCHECK := $(TOOLS_VENV)/shellcheck
SHELLCHECK_STAMP := $(SHELLCHECK)/.installed
SHELL_SCRIPTS := .ci/run $(wildcard scripts/*.sh scripts/lib/*.sh)
# Everything the demo keeps (the local Vault's storage, outputs) stays inside the checkout.
export SECURE_MLOPS_STATE_DIR ?= $(CURDIR)/.state

.DEFAULT_GOAL := help
.PHONY: help install deep tools demo down lint test unit integration bench lock sbom clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies (hash-checked)

$(DEEP_STAMP): $(STAMP) $(DEEP_LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(DEEP_LOCK)
	@touch $(DEEP_STAMP)

deep: $(DEEP_STAMP) ## Install the optional backend of `redact --deep` (Presidio, spaCy, an English model; hash-checked)

$(TOOLS_STAMP): $(TOOLS_LOCK)
	@test -x $(TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(TOOLS_LOCK)
	@touch $(TOOLS_STAMP)

# $(call unpack_deb,PACKAGE,DIR,BINARY): Debian's PACKAGE downloaded (no root needed once apt's
# package lists are there) and unpacked into DIR, checked by running BINARY --version. Unpacked
# into a scratch folder first, so a failed download leaves no half-installed tool.
define unpack_deb
	@set -euo pipefail; mkdir -p "$(TOOLS_VENV)"; scratch=$$(mktemp -d "$(CURDIR)/$(TOOLS_VENV)/download.XXXXXX"); \
	trap 'rm -rf "$$scratch"' EXIT; \
	if ! (cd "$$scratch" && apt-get download -qq $(1) 2>apt.log); then \
		cat "$$scratch/apt.log" >&2; \
		echo "error: \`apt-get download $(1)\` failed: make test needs $(3)." >&2; \
		echo "       Debian's package lists may be missing: run \`apt-get update\` (as root) and retry." >&2; \
		exit 1; \
	fi; \
	dpkg -x "$$scratch"/$(1)_*.deb "$$scratch/root"; \
	"$$scratch/root/usr/bin/$(3)" --version >/dev/null; \
	rm -rf "$(2)"; mv "$$scratch/root" "$(2)"; \
	touch "$(2)/.installed"; \
	echo "$(1) unpacked into $(2)/usr/bin"
endef

$(PROMETHEUS_STAMP):
	$(call unpack_deb,prometheus,$(PROMETHEUS),promtool)

$(SHELLCHECK_STAMP):
	$(call unpack_deb,shellcheck,$(SHELLCHECK),shellcheck)

tools: $(TOOLS_STAMP) $(PROMETHEUS_STAMP) $(SHELLCHECK_STAMP) ## Create .venv-tools: checkov, hadolint, trivy (hash-checked), prometheus, promtool, shellcheck

demo: $(STAMP) ## Run the whole pipeline locally on generated demo data (local Vault, kfp.local)
	$(BIN)/secure-mlops dev up
	$(BIN)/secure-mlops run
	$(BIN)/secure-mlops serve --try-it

down: $(STAMP) ## Stop the local Vault that `make demo` started (its data stays in .state)
	$(BIN)/secure-mlops dev down

lint: $(STAMP) $(SHELLCHECK_STAMP) ## ruff over the Python code (rules in pyproject.toml), shellcheck over the shell scripts
	$(BIN)/ruff check .
	$(SHELLCHECK)/usr/bin/shellcheck $(SHELL_SCRIPTS)

test: lint $(TOOLS_STAMP) $(PROMETHEUS_STAMP) $(DEEP_STAMP) ## Lint, then run every test (unit, policies, then integration against real servers)
	SECURE_MLOPS_TOOLS_BIN=$(CURDIR)/$(TOOLS_VENV)/bin $(BIN)/python -m pytest tests

unit: $(STAMP) ## Run the fast unit tests only
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP) $(DEEP_STAMP) ## Run the integration tests only
	$(BIN)/python -m pytest tests/integration

audit: $(STAMP) $(TOOLS_STAMP) $(PROMETHEUS_STAMP) $(DEEP_STAMP) ## Run the tests tied to each control; write the evidence report into audit-report/
	SECURE_MLOPS_TOOLS_BIN=$(CURDIR)/$(TOOLS_VENV)/bin $(BIN)/secure-mlops audit --out audit-report

bench: $(STAMP) $(DEEP_STAMP) ## Run the benchmarks (not part of make test)
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

# lock.txt is the one lock without the .lock suffix: a rule of its own, the others by pattern.
$(SBOM_DIR)/lock.cdx.json: $(LOCK) $(STAMP)
	@mkdir -p $(SBOM_DIR)
	$(CYCLONEDX) -o $@ $<

$(SBOM_DIR)/%.cdx.json: requirements/%.lock $(STAMP)
	@mkdir -p $(SBOM_DIR)
	$(CYCLONEDX) -o $@ $<

sbom: $(SBOMS) ## Write a CycloneDX SBOM of each lock to sbom/<lock>.cdx.json (reproducible: pins, hashes, no timestamp)

lock: ## Re-resolve the locks from requirements/*.in (needs uv)
	uv pip compile --python-version 3.11 --generate-hashes requirements/requirements.in -o $(LOCK)
	uv pip compile --python-version 3.11 --generate-hashes requirements/tools.in -o $(TOOLS_LOCK)
	uv pip compile --python-version 3.11 --generate-hashes requirements/inference.in -c $(LOCK) -o requirements/inference.lock
	uv pip compile --python-version 3.11 --generate-hashes requirements/deep.in -c $(LOCK) -o $(DEEP_LOCK)

clean: ## Stop the local Vault, remove the venv and local state (its data is lost)
	-test -x $(BIN)/secure-mlops && $(BIN)/secure-mlops dev down
	@# The local audit store's records are read-only: made writable again only to be deleted.
	-test -d .state && chmod -R u+w .state
	rm -rf $(VENV) $(TOOLS_VENV) .state .pytest_cache
