"""Apply rendered manifests with the Kubernetes Python client (server-side apply).

Server-side apply creates or updates each object and records `secure-mlops` as the manager of
the fields it sets, so a re-deploy updates in place. Conflicts are forced: the rendered release
is the source of truth, and a field someone changed by hand is taken back.

A release applies only the objects a model version changes (RELEASE_KINDS): the deployer's Role
may patch the named Deployment and Service and nothing else (k8s/base/access). The
namespace, service accounts and network policies come from the platform's one-time
`kubectl apply -k k8s/overlays/<env>`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from secure_mlops.errors import ClusterError, ConfigError, InputError

FIELD_MANAGER = "secure-mlops"
RELEASE_KINDS = frozenset({"Deployment", "Service"})


def apply_manifests(
    manifests: Path, *, dynamic_client: Any | None = None, kinds: frozenset[str] = RELEASE_KINDS
) -> list[str]:
    """Apply the objects of `manifests` whose kind is in `kinds`, in file order; return
    ``kind/namespace/name`` of each.

    `dynamic_client` is a `kubernetes.dynamic.DynamicClient`; by default one is built from the
    pod's service account (in a cluster) or the kubeconfig.
    """
    documents = [d for d in _documents(manifests) if d["kind"] in kinds]
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
    from urllib3.exceptions import HTTPError

    client = dynamic_client or _connect()
    applied = []
    for body in documents:
        kind, meta = body["kind"], body["metadata"]
        name = f"{kind}/{meta.get('namespace', '-')}/{meta['name']}"
        try:
            resource = client.resources.get(api_version=body["apiVersion"], kind=kind)
            client.server_side_apply(resource, body=body, namespace=meta.get("namespace"),
                                     field_manager=FIELD_MANAGER, force_conflicts=True)
        except ResourceNotFoundError:
            raise ClusterError(f"the cluster does not serve {body['apiVersion']} {kind}") from None
        except ApiException as exc:
            # The reason (Forbidden, Invalid...) and status only: the body can echo the object.
            raise ClusterError(f"Kubernetes refused to apply {name}: {exc.status} {exc.reason}") from None
        except HTTPError as exc:
            raise ClusterError(f"cannot reach the Kubernetes API to apply {name}: "
                               f"{type(exc).__name__}") from None
        applied.append(name)
    return applied


def _documents(manifests: Path) -> list[dict[str, Any]]:
    try:
        documents = [d for d in yaml.safe_load_all(Path(manifests).read_text(encoding="utf-8")) if d]
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read manifests {manifests}: {exc}") from None
    for document in documents:
        if (not isinstance(document, dict) or not {"apiVersion", "kind", "metadata"} <= set(document)
                or not isinstance(document["metadata"], dict) or "name" not in document["metadata"]):
            raise InputError(f"{manifests} holds a document that is not a Kubernetes object")
    return documents


def _connect() -> Any:
    from kubernetes import config, dynamic
    from kubernetes.client import ApiClient
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException
    from urllib3.exceptions import HTTPError

    try:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            config.load_incluster_config()
        else:
            config.load_kube_config()
    except (ConfigException, OSError) as exc:
        raise ConfigError(f"no Kubernetes credentials: {exc}",
                          hint="run in a pod with a service account, or set KUBECONFIG") from None
    try:
        return dynamic.DynamicClient(ApiClient())
    except (ApiException, HTTPError) as exc:  # the client runs API discovery right away
        raise ClusterError(f"cannot reach the Kubernetes API: {type(exc).__name__}") from None
