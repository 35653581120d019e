# Two commands matter: `make demo` and `make test`. Both build .venv from the hash-pinned lock.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
# Everything the demo keeps (the local Vault's storage, outputs) stays inside the checkout.
export SECURE_MLOPS_STATE_DIR ?= $(CURDIR)/.state

.DEFAULT_GOAL := help
.PHONY: help install demo down test unit integration bench lock clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies (hash-checked)

demo: $(STAMP) ## Run the whole pipeline locally on generated demo data (local Vault, kfp.local)
	$(BIN)/secure-mlops dev up
	$(BIN)/secure-mlops run

down: $(STAMP) ## Stop the local Vault that `make demo` started (its data stays in .state)
	$(BIN)/secure-mlops dev down

test: $(STAMP) ## Run every test (unit, then integration against real servers)
	$(BIN)/python -m pytest tests

unit: $(STAMP) ## Run the fast unit tests only
	$(BIN)/python -m pytest tests/unit

integration: $(STAMP) ## Run the integration tests only
	$(BIN)/python -m pytest tests/integration

bench: $(STAMP) ## Run the benchmarks (not part of make test)
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b; done

lock: ## Re-resolve requirements/lock.txt from requirements/requirements.in (needs uv)
	uv pip compile --python-version 3.11 --generate-hashes requirements/requirements.in -o $(LOCK)

clean: ## Stop the local Vault, remove the venv and local state (its data is lost)
	-test -x $(BIN)/secure-mlops && $(BIN)/secure-mlops dev down
	rm -rf $(VENV) .state .pytest_cache
