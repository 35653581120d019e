"""Where things are in the checkout: the one place the tests compute a repository path."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
# The demo's data contract: the one the pipeline, the CLI examples and the service use.
PATIENTS = POLICIES / "data" / "patients.contract.yaml"
VAULT_POLICIES = POLICIES / "vault"
IAM_POLICIES = POLICIES / "iam"
K8S = ROOT / "k8s"
SERVICE_DIR = ROOT / "services" / "inference"
TERRAFORM = ROOT / "infra" / "terraform"
COMPILED_PIPELINE = ROOT / "pipelines" / "compiled" / "secure-mlops.yaml"
