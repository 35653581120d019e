"""Every Kubernetes API call the deploy step makes to apply a release, recorded from the real
client against a loopback stand-in of the API server, is granted by the deployer Role bound to
the pipeline's run account, and the Role grants nothing the step does not use."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from kubernetes import client, dynamic

from secure_mlops.config import PIPELINE_SERVICE_ACCOUNT
from secure_mlops.deploy import apply_manifests, render_manifests
from secure_mlops.deploy.release_images import pinned_images, release_file
from tests.support.k8s import NAMESPACE, OVERLAYS, profile_namespace, rendered
from tests.support.paths import ROOT
from tests.support.servers import QuietHandler, http_stand_in

# What the stand-in's discovery serves: (group/version, resource, kind, namespaced).
SERVED = [
    ("v1", "namespaces", "Namespace", False), ("v1", "serviceaccounts", "ServiceAccount", True),
    ("v1", "services", "Service", True), ("v1", "configmaps", "ConfigMap", True),
    ("apps/v1", "deployments", "Deployment", True),
    ("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True),
]


def _discovery(path: str) -> dict[str, Any] | None:
    groups = sorted({gv for gv, *_ in SERVED if "/" in gv})
    if path == "/version":
        return {"major": "1", "minor": "32", "gitVersion": "v1.32.0"}
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"]}
    if path == "/apis":
        return {"kind": "APIGroupList", "groups": [
            {"name": gv.split("/")[0], "versions": [{"groupVersion": gv, "version": "v1"}],
             "preferredVersion": {"groupVersion": gv, "version": "v1"}} for gv in groups]}
    group_version = path.removeprefix("/api/").removeprefix("/apis/")
    resources = [{"name": r, "singularName": "", "kind": k, "namespaced": ns, "verbs": ["get", "patch"]}
                 for gv, r, k, ns in SERVED if gv == group_version]
    return {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources} if resources else None


@pytest.fixture(scope="module")
def calls(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    """(method, path, content type) of every request applying a release rendered as the deploy
    step does, by digest, as the deploy step applies it."""
    out = tmp_path_factory.mktemp("release")
    manifests = render_manifests(bento_tag="secure-mlops-inference:v1", model_tag="secure-mlops-model:m1",
                                 image=pinned_images(release_file(ROOT))["secure-mlops-inference"], out_dir=out)
    recorded: list[tuple[str, str, str]] = []

    class ApiServer(QuietHandler):
        def do_GET(self) -> None:
            recorded.append(("GET", self.path, ""))
            answer = _discovery(self.path)
            if answer is None:
                self.send_error(404)
            else:
                self.reply("application/json", json.dumps(answer).encode())

        def do_PATCH(self) -> None:
            recorded.append(("PATCH", self.path, self.headers.get("Content-Type", "")))
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.reply("application/json", b'{"kind": "Status", "status": "Success"}')

    with http_stand_in(ApiServer) as server:
        configuration = client.Configuration()
        configuration.host = f"http://127.0.0.1:{server.server_address[1]}"
        discovery_cache = str(out / "discovery.json")  # not the shared default under /tmp
        applied = apply_manifests(manifests, dynamic_client=dynamic.DynamicClient(
            client.ApiClient(configuration), cache_file=discovery_cache))
    assert applied == [f"Service/{NAMESPACE}/inference", f"Deployment/{NAMESPACE}/inference"]
    return recorded


def _authorization(method: str, path: str, content_type: str) -> tuple[str, str, str, str, str]:
    """(verb, API group, resource, namespace, name) the API server authorizes a request as."""
    parts = urlsplit(path).path.strip("/").split("/")
    group = "" if parts[0] == "api" else parts[1]
    rest = parts[2:] if parts[0] == "api" else parts[3:]
    assert rest[0] == "namespaces" and len(rest) == 4, path
    verb = {"GET": "get", "PATCH": "patch"}[method]
    assert method != "PATCH" or content_type == "application/apply-patch+yaml", "server-side apply only"
    return verb, group, rest[2], rest[1], rest[3]


def _is_discovery(path: str) -> bool:
    # /version, /api, /apis and their group lists: served to every authenticated user by
    # Kubernetes' default system:discovery ClusterRole. A release's objects are all namespaced.
    return "/namespaces/" not in path


def _granted(rule: dict[str, Any], verb: str, group: str, resource: str, name: str) -> bool:
    return (group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]
            and name in rule.get("resourceNames", [name]))


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("least-privilege-cluster")
def test_the_deployer_role_is_bound_to_the_pipelines_run_account(overlay: str) -> None:
    (binding,) = [o for o in rendered(overlay) if o["kind"] == "RoleBinding"
                  and o["roleRef"]["name"] == "secure-mlops-deployer"]
    assert binding["metadata"]["namespace"] == NAMESPACE
    assert {"kind": "ServiceAccount", "name": PIPELINE_SERVICE_ACCOUNT,
            "namespace": profile_namespace(overlay)} in binding["subjects"]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("least-privilege-cluster")
def test_every_call_the_deploy_step_makes_is_granted_and_nothing_more(overlay: str, calls) -> None:
    (role,) = [o for o in rendered(overlay) if o["kind"] == "Role" and o["metadata"]["name"] == "secure-mlops-deployer"]
    resource_calls = [_authorization(*call) for call in calls if not _is_discovery(call[1])]
    assert resource_calls, "the step made no resource request: the recording is broken"
    for verb, group, resource, namespace, name in resource_calls:
        assert namespace == role["metadata"]["namespace"]
        assert any(_granted(rule, verb, group, resource, name) for rule in role["rules"]), (verb, resource, name)
    granted = {(verb, group, resource, name) for rule in role["rules"] for verb in rule["verbs"]
               for group in rule["apiGroups"] for resource in rule["resources"] for name in rule["resourceNames"]}
    assert granted == {(verb, group, resource, name) for verb, group, resource, _, name in resource_calls}
