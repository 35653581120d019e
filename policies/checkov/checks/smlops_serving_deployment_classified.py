"""CKV_SMLOPS_3: every Deployment of the serving namespace names the data classification it
handles, on itself and on its pods, with the label the pipeline's step pods carry.

A Python check because checkov's graph (which runs the YAML custom policies) splits a
Deployment's pod template off into a Pod vertex of its own: a YAML policy sees either the
Deployment's labels or its pods', never both, so it cannot require them to agree. The resource
check below gets the whole object.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check

# The namespace of the inference service (k8s/base/kustomization.yaml).
SERVING_NAMESPACE = "secure-mlops"
# The key pipelines/platform.py puts on every step pod; k8s/base/pipeline selects on it.
CLASSIFICATION_LABEL = "secure-mlops/data-classification"


def _label(metadata: Any) -> str | None:
    """The classification of one metadata block; None when absent, empty or not a string."""
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    value = labels.get(CLASSIFICATION_LABEL) if isinstance(labels, dict) else None
    return value if isinstance(value, str) and value.strip() else None


class ServingDeploymentClassified(BaseK8Check):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure Deployments in the serving namespace carry the data-classification label on themselves and their pods",
            id="CKV_SMLOPS_3",
            categories=(CheckCategories.KUBERNETES,),
            supported_entities=("Deployment",),
        )

    def scan_spec_conf(self, conf: dict[str, Any]) -> CheckResult:
        metadata = conf.get("metadata")
        # Only rendered manifests name their namespace (kustomize sets it): a Deployment without
        # one, or in another namespace, is not this check's to judge.
        if not isinstance(metadata, dict) or metadata.get("namespace") != SERVING_NAMESPACE:
            return CheckResult.UNKNOWN
        spec = conf.get("spec")
        template = spec.get("template") if isinstance(spec, dict) else None
        deployment = _label(metadata)
        pods = _label(template.get("metadata") if isinstance(template, dict) else None)
        # Both levels, and the same value: the pods are what policies select and auditors see.
        if deployment is not None and deployment == pods:
            return CheckResult.PASSED
        return CheckResult.FAILED


check = ServingDeploymentClassified()
