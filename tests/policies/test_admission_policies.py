"""The ValidatingAdmissionPolicies of policies/kubernetes, evaluated as the API server would: each
policy's own CEL (variables in order, then every validation) with cel-expr-python, the C++ CEL
runtime, with the strings and optional extensions Kubernetes enables. Against each policy's
allowed and denied samples, and against every workload the overlays render, for the policies
whose binding selects the workload's namespace."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml
from cel_expr_python import cel
from cel_expr_python.ext import ext_optional, ext_strings

from secure_mlops.deploy import render_manifests
from secure_mlops.deploy.release_images import pinned_images, release_file
from tests.support.k8s import NAMESPACE, OVERLAYS, WORKLOAD_KINDS, assert_valid_kubernetes, profile_namespace, rendered
from tests.support.paths import ROOT

POLICIES = ROOT / "policies" / "kubernetes"
POLICY_NAMES = sorted(p.name for p in POLICIES.iterdir() if (p / "policy.yaml").is_file())
# What an admission request for each workload kind names: (API group, version, resource).
RESOURCES = {
    "Pod": ("", "v1", "pods"), "Deployment": ("apps", "v1", "deployments"),
    "ReplicaSet": ("apps", "v1", "replicasets"), "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"), "Job": ("batch", "v1", "jobs"),
    "CronJob": ("batch", "v1", "cronjobs"),
}
METADATA = ("title", "category", "severity", "threat", "description")
# The variables Kubernetes declares for a ValidatingAdmissionPolicy's expressions.
_ENV = cel.NewEnv(
    variables={name: cel.Type.DYN for name in
               ("object", "oldObject", "request", "params", "namespaceObject", "variables")},
    extensions=[ext_strings.ExtStrings(), ext_optional.ExtOptional()],
)


@functools.cache
def _compiled(expression: str) -> cel.Expression:
    return _ENV.compile(expression)


def _evaluate(expression: str, data: dict[str, Any], expected: cel.Type | None = None) -> Any:
    """The plain value of `expression`; of type `expected` when given, never an error."""
    result = _compiled(expression).eval(data=data)
    # An evaluation error is a refusal under failurePolicy Fail: a policy bug, never a pass.
    assert result.type() != cel.Type.ERROR, f"{expression!r} failed: {result.value()}"
    assert expected is None or result.type() == expected, f"{expression!r} gave {result.type().name()}"
    return result.plain_value()


@functools.cache
def _load(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    policy = yaml.safe_load((POLICIES / name / "policy.yaml").read_text())
    binding = yaml.safe_load((POLICIES / name / "binding.yaml").read_text())
    return policy, binding


def refusals(name: str, obj: dict[str, Any]) -> list[str]:
    """The messages the API server would answer with; empty when the policy admits `obj`."""
    spec = _load(name)[0]["spec"]
    bound: dict[str, Any] = {}
    for variable in spec.get("variables", []):  # in order: a variable may use the ones before it
        data = {"object": obj, "oldObject": None, "variables": dict(bound)}
        bound[variable["name"]] = _evaluate(variable["expression"], data)
    data = {"object": obj, "oldObject": None, "variables": bound}
    messages = []
    for validation in spec["validations"]:
        if not _evaluate(validation["expression"], data, cel.Type.BOOL):
            messages.append(_evaluate(validation["messageExpression"], data, cel.Type.STRING)
                            if "messageExpression" in validation else validation["message"])
    return messages


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) against `labels`."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if not {"In": present and labels[key] in values, "NotIn": not present or labels[key] not in values,
                "Exists": present, "DoesNotExist": not present}[operator]:
            return False
    return True


def bound_to(name: str, namespace_labels: dict[str, str]) -> bool:
    return _selects(_load(name)[1]["spec"]["matchResources"]["namespaceSelector"], namespace_labels)


def _samples(verdict: str) -> list[tuple[str, Path]]:
    return [(name, path) for name in POLICY_NAMES
            for path in sorted((POLICIES / name / "samples" / verdict).glob("*.yaml"))]


def _id(case: tuple[str, Path]) -> str:
    return f"{case[0]}/{case[1].stem}"


def test_policies_exist_for_every_hardened_pod_rule():
    assert sorted([
        "disallow-automount-service-account-token", "disallow-privilege-escalation",
        "require-drop-all-capabilities", "require-image-digest", "require-read-only-root-filesystem",
        "require-run-as-non-root", "require-seccomp-runtime-default"]) == POLICY_NAMES


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_policy_has_audit_metadata_a_denying_binding_and_samples_of_both_kinds(name):
    policy, binding = _load(name)
    annotations = policy["metadata"]["annotations"]

    assert policy["metadata"]["name"] == name and policy["spec"]["failurePolicy"] == "Fail"
    assert all(annotations.get(f"policies.secure-mlops.io/{key}") for key in METADATA)
    assert annotations["policies.secure-mlops.io/severity"] in {"low", "medium", "high"}
    assert binding["spec"]["policyName"] == name
    assert "Deny" in binding["spec"]["validationActions"]
    assert any((POLICIES / name / "samples" / "allowed").glob("*.yaml"))
    assert any((POLICIES / name / "samples" / "denied").glob("*.yaml"))


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_policy_matches_pods_and_every_workload_kind_on_create_and_update(name):
    rules = _load(name)[0]["spec"]["matchConstraints"]["resourceRules"]

    for kind, (group, version, resource) in RESOURCES.items():
        assert any(group in r["apiGroups"] and version in r["apiVersions"] and resource in r["resources"]
                   and {"CREATE", "UPDATE"} <= set(r["operations"]) for r in rules), kind


@pytest.mark.parametrize("case", _samples("allowed"), ids=_id)
def test_allowed_sample_is_admitted(case):
    name, path = case

    assert refusals(name, yaml.safe_load(path.read_text())) == []


@pytest.mark.parametrize("case", _samples("denied"), ids=_id)
@pytest.mark.control("hardened-runtime", "pinned-supply-chain")
def test_denied_sample_is_refused_with_a_message(case):
    name, path = case

    messages = refusals(name, yaml.safe_load(path.read_text()))

    assert messages and all(isinstance(m, str) and len(m) > 20 for m in messages)


def test_policies_bindings_and_samples_are_valid_kubernetes_1_32_objects():
    files = sorted(p for p in POLICIES.rglob("*.yaml") if p.name != "kustomization.yaml")

    assert_valid_kubernetes(files, objects=len(files))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_workload_passes_every_policy_bound_to_its_namespace(overlay):
    labels = {n["metadata"]["name"]: n["metadata"].get("labels", {})
              for n in rendered(overlay) if n["kind"] == "Namespace"}
    checked = set()

    for obj in rendered(overlay):
        if obj["kind"] not in WORKLOAD_KINDS:
            continue
        for name in POLICY_NAMES:
            if bound_to(name, labels[obj["metadata"]["namespace"]]):
                assert refusals(name, obj) == [], (obj["kind"], obj["metadata"]["name"], name)
                checked.add(name)

    # Not vacuous: the inference Deployment met every policy its namespace is bound to.
    expected = set(POLICY_NAMES) - ({"require-image-digest"} if overlay == "dev" else set())
    assert checked == expected


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_bindings_enforce_on_the_inference_namespace_and_leave_kfp_alone(overlay):
    namespaces = {n["metadata"]["name"]: n["metadata"].get("labels", {})
                  for n in rendered(overlay) if n["kind"] == "Namespace"}

    enforced = {name for name in POLICY_NAMES if bound_to(name, namespaces[NAMESPACE])}
    assert ("require-image-digest" in enforced) is (overlay == "prod")
    assert len(enforced) == len(POLICY_NAMES) - (overlay == "dev")
    # KFP's own driver and executor pods could not pass them: no binding may select the profile
    # namespace, whose labels are Kubeflow's (the profile controller's, and the name).
    profile = {"kubernetes.io/metadata.name": profile_namespace(overlay), "app.kubernetes.io/part-of": "kubeflow-profile",
               "pipelines.kubeflow.org/enabled": "true"}
    assert not any(bound_to(name, profile) for name in POLICY_NAMES)


@pytest.mark.control("hardened-runtime")
def test_a_rendered_deployment_stripped_of_its_hardening_is_refused_by_every_policy():
    deployment = next(o for o in rendered("prod") if o["kind"] == "Deployment")
    spec = yaml.safe_load(yaml.safe_dump(deployment))  # a deep copy
    pod = spec["spec"]["template"]["spec"]
    pod.pop("securityContext")
    pod.pop("automountServiceAccountToken")
    pod["containers"][0].pop("securityContext")
    pod["containers"][0]["image"] = "ghcr.io/secure-mlops/secure-mlops-inference:1.0.0"

    assert [name for name in POLICY_NAMES if not refusals(name, spec)] == []


def test_a_release_rendered_as_the_deploy_step_does_is_admitted_in_prod(tmp_path):
    # What the deploy step applies with apply=true: its own rendering, the image by digest.
    image = pinned_images(release_file(ROOT))["secure-mlops-inference"]
    manifests = render_manifests(bento_tag="secure-mlops-inference:v20260101", image=image,
                                 model_tag="secure-mlops-model:m20260101", out_dir=tmp_path, namespace=NAMESPACE)
    prod_labels = next(n["metadata"].get("labels", {}) for n in rendered("prod")
                       if n["kind"] == "Namespace" and n["metadata"]["name"] == NAMESPACE)
    workloads = [d for d in yaml.safe_load_all(manifests.read_text()) if d and d["kind"] in WORKLOAD_KINDS]

    assert workloads
    bound = [name for name in POLICY_NAMES if bound_to(name, prod_labels)]
    assert "require-image-digest" in bound
    for obj in workloads:
        assert [(name, refusals(name, obj)) for name in bound if refusals(name, obj)] == [], obj["metadata"]["name"]
