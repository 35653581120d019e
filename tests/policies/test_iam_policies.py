"""The IAM and S3 policy documents in policies/iam and policies/s3, rendered the way Terraform's
templatefile() renders them: least privilege (no `*` action, prefix-scoped resources), a linter
(parliament) and the allow/deny matrix each workload policy ships with (<policy>.cases.yaml)."""

from __future__ import annotations

import fnmatch
import json
import re
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import IAM_POLICIES as IAM
from tests.support.paths import POLICIES
from tests.support.policies import (
    EXAMPLE_VALUES,
    PLACEHOLDER,
    WORKLOAD_POLICIES,
    as_list,
    case_matrix,
    load_cases,
    render_policy,
    statements,
)

TEMPLATES = sorted(POLICIES.glob("*/*.json.tftpl"))


# --- A small evaluator for identity policies --------------------------------------------------
# Enough of the IAM rules for our own documents: Allow/Deny, Action and Resource with * and ?
# wildcards, and the condition operators the workload policies use. Anything else is refused so
# a new construct cannot pass unnoticed.

_OPERATORS = {
    "StringEquals": lambda actual, expected: actual == expected,
    "StringLike": lambda actual, expected: fnmatch.fnmatchcase(actual, expected),
}


def _conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    for operator, pairs in conditions.items():
        if operator not in _OPERATORS:
            raise NotImplementedError(f"the test evaluator does not know condition operator {operator}")
        for key, expected in pairs.items():
            if key not in context or not any(_OPERATORS[operator](context[key], e) for e in as_list(expected)):
                return False
    return True


def is_allowed(policy: dict[str, Any], action: str, resource: str, context: dict[str, str] | None = None) -> bool:
    allowed = False
    for statement in statements(policy):
        if {"NotAction", "NotResource", "Principal"} & set(statement):
            raise NotImplementedError("the test evaluator handles identity policies with Action and Resource only")
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement["Resource"])):
            continue
        if not _conditions_hold(statement.get("Condition", {}), context or {}):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def test_every_template_renders_to_json_with_every_placeholder_known() -> None:
    assert TEMPLATES, "no policy templates found"
    for path in TEMPLATES:
        unknown = set(PLACEHOLDER.findall(path.read_text(encoding="utf-8"))) - set(EXAMPLE_VALUES)
        assert not unknown, f"{path.name} uses placeholders the tests do not know: {unknown}"
        assert render_policy(path)["Version"] == "2012-10-17", path.name


def test_each_workload_policy_has_its_template_and_cases() -> None:
    for policy in WORKLOAD_POLICIES:
        assert (IAM / f"{policy}.json.tftpl").is_file() and (IAM / f"{policy}.cases.yaml").is_file(), policy


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
@pytest.mark.control("least-privilege-iam")
def test_no_statement_allows_a_wildcard_action(path: Path) -> None:
    for statement in statements(render_policy(path)):
        if statement["Effect"] != "Allow":
            continue  # a Deny on s3:* is the safe direction
        for action in as_list(statement["Action"]):
            assert action != "*" and not action.endswith(":*"), f"{path.name} {statement['Sid']}: {action}"


@pytest.mark.parametrize("policy", WORKLOAD_POLICIES)
@pytest.mark.control("least-privilege-iam")
def test_workload_policy_resources_are_the_lake_or_its_prefixes(policy: str) -> None:
    values = EXAMPLE_VALUES
    buckets = {values["bucket_arn"], values["audit_bucket_arn"]}
    prefixed = re.compile(r"^arn:aws:s3:::[a-z0-9.-]+/(raw|datasets|artifacts|models|reports|audit)(/[a-z-]+)*/\*$")
    for statement in statements(render_policy(IAM / f"{policy}.json.tftpl")):
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{policy} {statement['Sid']} grants every resource"
            if resource.startswith("arn:aws:kms:"):
                assert resource == values["kms_key_arn"], f"{policy}: KMS rights on a key other than the data key"
            elif resource in buckets:
                # Bucket-level actions: listing under the workload's prefixes, or (the auditor's live
                # audit) reading the bucket's own settings, never changing them.
                actions = set(as_list(statement["Action"]))
                if policy == "auditor" and actions <= BUCKET_SETTINGS_READS:
                    continue
                assert actions <= {"s3:ListBucket", "s3:ListBucketVersions"}, statement["Sid"]
                prefixes = statement["Condition"]["StringLike"]["s3:prefix"]
                assert all(re.fullmatch(r"(raw|datasets|artifacts|models|reports|audit)(/[a-z-]+)*/\*", p)
                           for p in as_list(prefixes))
            else:
                assert prefixed.match(resource), f"{policy} {statement['Sid']}: {resource} is not scoped to a prefix"


BUCKET_SETTINGS_READS = {"s3:GetBucketPolicy", "s3:GetEncryptionConfiguration", "s3:GetBucketVersioning",
                         "s3:GetBucketPublicAccessBlock", "s3:GetBucketLogging"}


@pytest.mark.parametrize("policy", WORKLOAD_POLICIES)
def test_workload_policy_uses_the_data_key_only_through_s3(policy: str) -> None:
    document = render_policy(IAM / f"{policy}.json.tftpl")
    kms = [s for s in statements(document) if as_list(s["Action"])[0].startswith("kms:")]
    assert kms, f"{policy} cannot read SSE-KMS objects at all"
    for statement in kms:
        assert set(as_list(statement["Action"])) <= {"kms:Decrypt", "kms:GenerateDataKey"}
        assert statement["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['action']} {case['resource'].split(':::')[-1]} {case.get('context', '')}".strip()


@pytest.mark.parametrize(("policy", "case", "expected"), case_matrix(WORKLOAD_POLICIES, load_cases, _case_id))
@pytest.mark.control("least-privilege-iam")
def test_workload_policy_matrix(policy: str, case: dict[str, Any], expected: bool) -> None:
    document = render_policy(IAM / f"{policy}.json.tftpl")
    assert is_allowed(document, case["action"], case["resource"], case.get("context")) is expected


def test_pipeline_runner_cannot_read_audit_records_even_when_they_share_the_data_bucket() -> None:
    # With object lock off, audit/ is a prefix of the data bucket: the same ARN for both.
    same_bucket = EXAMPLE_VALUES["bucket_arn"]
    document = render_policy(IAM / "pipeline-runner.json.tftpl", audit_bucket_arn=same_bucket)
    assert not is_allowed(document, "s3:GetObject", f"{same_bucket}/audit/2026/evidence.json")
    auditor = render_policy(IAM / "auditor.json.tftpl", audit_bucket_arn=same_bucket)
    assert is_allowed(auditor, "s3:GetObject", f"{same_bucket}/audit/2026/evidence.json")
    assert not is_allowed(auditor, "s3:GetObject", f"{same_bucket}/raw/patients/part-0000.csv")


@pytest.mark.control("least-privilege-iam")
def test_irsa_trust_binds_one_service_account_of_one_namespace_with_the_sts_audience() -> None:
    (statement,) = statements(render_policy(IAM / "trust-irsa.json.tftpl"))
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": EXAMPLE_VALUES["oidc_provider_arn"]}
    # StringEquals, never StringLike: a pattern could match other service accounts.
    assert set(statement["Condition"]) == {"StringEquals"}
    issuer = EXAMPLE_VALUES["oidc_provider"]
    assert statement["Condition"]["StringEquals"] == {
        f"{issuer}:sub": "system:serviceaccount:kubeflow-user:secure-mlops-pipeline",
        f"{issuer}:aud": "sts.amazonaws.com",
    }


def test_pod_identity_trust_binds_one_service_account_of_one_namespace_of_one_cluster() -> None:
    (statement,) = statements(render_policy(IAM / "trust-pod-identity.json.tftpl"))
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(as_list(statement["Action"])) == ["sts:AssumeRole", "sts:TagSession"]
    assert set(statement["Condition"]) == {"StringEquals"}
    assert statement["Condition"]["StringEquals"] == {
        "aws:RequestTag/eks-cluster-arn": EXAMPLE_VALUES["cluster_arn"],
        "aws:RequestTag/kubernetes-namespace": "kubeflow-user",
        "aws:RequestTag/kubernetes-service-account": "secure-mlops-pipeline",
    }


@pytest.mark.control("lake-encryption-at-rest")
def test_key_policy_delegates_data_key_use_to_iam_only_through_s3() -> None:
    policy = render_policy(IAM / "data-key-policy.json.tftpl")
    root = f"arn:aws:iam::{EXAMPLE_VALUES['account_id']}:root"
    for statement in statements(policy):
        assert statement["Effect"] == "Allow" and statement["Principal"] == {"AWS": root}
        # "*" in a key policy means the key the policy is attached to: KMS requires that form.
        assert statement["Resource"] == "*" and "ResourceStarMeansThisKey" in statement["Sid"]
    usage = [s for s in statements(policy) if {"kms:Decrypt", "kms:GenerateDataKey"} & set(as_list(s["Action"]))]
    assert len(usage) == 1
    assert usage[0]["Condition"]["StringEquals"]["kms:ViaService"] == "s3.eu-central-1.amazonaws.com"
    administration = set(as_list(statements(policy)[0]["Action"]))
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"} & administration


@pytest.fixture(scope="module")
def parliament_module() -> types.ModuleType:
    # parliament imports pkg_resources (hence setuptools<81 in the lock) and warns about it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        import parliament

    # What `parliament --include-community-auditors` does before analysing.
    parliament.override_config(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")
    return parliament


@pytest.mark.parametrize("policy", WORKLOAD_POLICIES)
@pytest.mark.control("least-privilege-iam")
def test_parliament_finds_nothing_of_medium_severity_or_worse(policy: str, parliament_module: types.ModuleType) -> None:
    rendered = json.dumps(render_policy(IAM / f"{policy}.json.tftpl"))
    analysed = parliament_module.analyze_policy_string(rendered, policy, include_community_auditors=True)
    findings = [parliament_module.enhance_finding(f) for f in analysed.findings]
    serious = [(f.issue, f.detail) for f in findings if f.severity in {"MEDIUM", "HIGH", "CRITICAL"}]
    assert serious == []


def test_parliament_flags_a_wildcard_policy(parliament_module: types.ModuleType) -> None:
    """The linter is wired up: the same call reports an allow-everything document."""
    statement = {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}
    wildcard = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    analysed = parliament_module.analyze_policy_string(wildcard, "wildcard", include_community_auditors=True)
    severities = {parliament_module.enhance_finding(f).severity for f in analysed.findings}
    assert severities & {"MEDIUM", "HIGH", "CRITICAL"}
