"""The access policies of policies/iam and policies/vault and their allow/deny examples, loaded
once for the offline policy tests and the tests against real servers (moto, OpenBao).

IAM documents are Terraform templates (`<policy>.json.tftpl`, examples in `<policy>.cases.yaml`),
rendered here the way templatefile() renders them; Vault policies are HCL files (`<name>.hcl`,
examples in `<name>.cases.yaml`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import hvac
import pytest
import yaml

from secure_mlops.audit.intent import render_template
from tests.support.paths import IAM_POLICIES, VAULT_POLICIES

# Values for every placeholder the IAM templates use; tests may override some (moto's bucket, say).
EXAMPLE_VALUES = {
    "account_id": "111122223333",
    "partition": "aws",
    "region": "eu-central-1",
    "bucket_arn": "arn:aws:s3:::example-lake",
    "audit_bucket_arn": "arn:aws:s3:::example-lake-audit",
    "kms_key_arn": "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "oidc_provider_arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE",
    "oidc_provider": "oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLE",
    "cluster_arn": "arn:aws:eks:eu-central-1:111122223333:cluster/ml",
    "namespace": "kubeflow-user",
    "service_account": "secure-mlops-pipeline",
    "source_bucket_arns_json": '["arn:aws:s3:::example-lake", "arn:aws:s3:::example-lake-audit"]',
}
PLACEHOLDER = re.compile(r"\$\{([a-z_]+)\}")
# IAM workload permission policies: what a pod may do. Trust, key and bucket policies are
# resource policies, checked by their own structural tests.
WORKLOAD_POLICIES = ("pipeline-runner", "inference", "deployer", "auditor")
VAULT_POLICY_NAMES = sorted(p.name.removesuffix(".hcl") for p in VAULT_POLICIES.glob("*.hcl"))


def render_text(text: str, values: dict[str, str]) -> str:
    """The template rendered as the live audit renders it, every placeholder given a value."""
    rendered = render_template(text, values)
    assert not PLACEHOLDER.search(rendered), f"placeholders without a value: {PLACEHOLDER.findall(rendered)}"
    return rendered


def render_policy(path: Path, **overrides: str) -> dict[str, Any]:
    return json.loads(render_text(path.read_text(encoding="utf-8"), {**EXAMPLE_VALUES, **overrides}))


def load_cases(policy: str, **overrides: str) -> dict[str, list[dict[str, Any]]]:
    """The allowed/denied requests of an IAM workload policy, with placeholders filled in."""
    text = render_text((IAM_POLICIES / f"{policy}.cases.yaml").read_text(encoding="utf-8"),
                       {**EXAMPLE_VALUES, **overrides})
    return yaml.safe_load(text)


def as_list(value: str | list[str]) -> list[str]:
    """An IAM field that may hold one value or a list, as a list."""
    return value if isinstance(value, list) else [value]


def statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    found = policy["Statement"]
    return found if isinstance(found, list) else [found]


def load_vault_cases(name: str) -> dict[str, list[dict[str, str]]]:
    """The allowed/denied (capability, path) examples of a Vault policy."""
    return yaml.safe_load((VAULT_POLICIES / f"{name}.cases.yaml").read_text(encoding="utf-8"))


def case_matrix(policies: Iterable[str], cases: Callable[[str], dict[str, list[dict[str, Any]]]],
                case_id: Callable[[dict[str, Any]], str]) -> list[Any]:
    """pytest params (policy, case, expected): every allowed example (True) and every denied one
    (False) of each policy, with ids `<policy>-<allowed|denied>-<case_id(case)>`."""
    params = []
    for policy in policies:
        examples = cases(policy)
        for expected, key in ((True, "allowed"), (False, "denied")):
            params += [pytest.param(policy, case, expected, id=f"{policy}-{key}-{case_id(case)}")
                       for case in examples[key]]
    return params


def vault_case_id(case: dict[str, str]) -> str:
    return f"{case['capability']}-{case['path']}"


def policy_client(root: hvac.Client, name: str, ttl: str = "10m") -> hvac.Client:
    """A client of the same server logged in with `policy_token` of `name`."""
    return hvac.Client(url=root.url, token=policy_token(root, name, ttl=ttl))


def policy_token(root: hvac.Client, name: str, ttl: str = "1h") -> str:
    """A Vault token holding only the policy `policies/vault/<name>.hcl` (and Vault's default
    policy), the policy written to the server from the repository's file first."""
    root.sys.create_or_update_policy(name, (VAULT_POLICIES / f"{name}.hcl").read_text(encoding="utf-8"))
    return root.auth.token.create(policies=[name], ttl=ttl)["auth"]["client_token"]
