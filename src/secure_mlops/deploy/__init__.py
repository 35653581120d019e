"""Deploy: verify a release's signed provenance, render hardened Kubernetes manifests from the
kustomize base in k8s/base, and apply them with server-side apply.

Nothing is written before the release verifies, and only the Deployment and Service
are applied (what the deployer's Role may patch): the namespace, RBAC and network policies are
the platform's."""

from __future__ import annotations

from secure_mlops.deploy.apply import apply_manifests
from secure_mlops.deploy.deploy import DeployResult, deploy
from secure_mlops.deploy.render import render_manifests
from secure_mlops.errors import ClusterError

__all__ = ["ClusterError", "DeployResult", "apply_manifests", "deploy", "render_manifests"]
