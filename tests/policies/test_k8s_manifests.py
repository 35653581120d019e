"""The kustomize overlays (k8s/overlays/{dev,prod}): they render, their core objects are valid
Kubernetes 1.32, and what they render is hardened, least-privilege and default-deny.

CRD objects (Prometheus Operator, Kubeflow) are unknown to kubernetes-validate: they are left
out of schema validation and checked structurally here instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.support.k8s import NAMESPACE, OVERLAYS, WORKLOAD_KINDS, assert_valid_kubernetes, profile_namespace, rendered
from tests.support.paths import K8S, ROOT, VAULT_POLICIES

CRD_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("kubeflow.org/v1alpha1", "PodDefault"),
}
# Pod Security Standards, restricted profile: the only volume types it allows.
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
DIGEST_SUFFIX = "@sha256:"
# Key material, and ways into a running container: no Role here may grant them.
FORBIDDEN_RESOURCES = {"secrets", "pods/exec", "pods/attach", "serviceaccounts/token"}


def objects(overlay: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
    return [o for o in rendered(overlay) if o["kind"] == kind
            and (namespace is None or o["metadata"].get("namespace") == namespace)]


def one(overlay: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    found = [o for o in objects(overlay, kind, namespace) if o["metadata"]["name"] == name]
    assert len(found) == 1, f"{overlay}: expected one {kind} {name}, found {len(found)}"
    return found[0]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "Pod":
        return workload["spec"]
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def all_containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(field, [])


def workloads(overlay: str) -> list[dict[str, Any]]:
    found = [o for o in rendered(overlay) if o["kind"] in WORKLOAD_KINDS]
    assert found, f"{overlay} renders no workload"
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_core_objects_pass_kubernetes_validate_strict_for_1_32(overlay, tmp_path):
    core = [o for o in rendered(overlay) if (o["apiVersion"], o["kind"]) not in CRD_KINDS]
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(yaml.safe_dump_all(core))

    assert_valid_kubernetes([path], objects=len(core))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_are_only_the_known_crd_kinds_with_their_required_fields(overlay):
    custom = [o for o in rendered(overlay) if (o["apiVersion"], o["kind"]) in CRD_KINDS]

    assert {(o["apiVersion"], o["kind"]) for o in custom} == CRD_KINDS
    for obj in custom:
        assert obj["metadata"]["name"] and obj["metadata"]["namespace"]
        assert isinstance(obj["spec"], dict) and obj["spec"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespaced_object_lives_in_the_project_namespace_or_the_kfp_profile(overlay):
    declared = {n["metadata"]["name"] for n in objects(overlay, "Namespace")}

    used = {o["metadata"].get("namespace") for o in rendered(overlay) if o["kind"] != "Namespace"}

    # The profile namespace is Kubeflow's (its profile controller creates it), never declared here.
    assert declared == {NAMESPACE}
    assert used == {NAMESPACE, profile_namespace(overlay)}


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("hardened-runtime")
def test_every_pod_template_meets_pod_security_restricted(overlay):
    for workload in workloads(overlay):
        spec, name = pod_spec(workload), workload["metadata"]["name"]
        pod_context = spec.get("securityContext", {})
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            assert spec.get(field, False) is False, (name, field)
        assert not pod_context.get("sysctls"), name
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= RESTRICTED_VOLUME_TYPES, (name, volume["name"])
        for container in all_containers(spec):
            context, where = container.get("securityContext", {}), (name, container["name"])
            assert context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is True, where
            assert context.get("runAsUser", pod_context.get("runAsUser", 1)) != 0, where
            assert context.get("privileged", False) is False, where
            assert context.get("allowPrivilegeEscalation") is False, where
            assert "ALL" in context.get("capabilities", {}).get("drop", []), where
            assert set(context.get("capabilities", {}).get("add", [])) <= {"NET_BIND_SERVICE"}, where
            seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
            assert seccomp.get("type") in {"RuntimeDefault", "Localhost"}, where
            assert all("hostPort" not in port for port in container.get("ports", [])), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_read_only_bounded_probed_and_tokenless(overlay):
    for workload in workloads(overlay):
        spec = pod_spec(workload)
        assert spec["automountServiceAccountToken"] is False
        memory_volumes = {v["name"] for v in spec.get("volumes", [])
                          if v.get("emptyDir", {}).get("medium") == "Memory"}
        for container in all_containers(spec):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            assert mounts.get("/tmp") in memory_volumes, "/tmp must be a memory-backed emptyDir"
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) & set(resources["limits"])
            assert container["livenessProbe"] and container["readinessProbe"]


@pytest.mark.control("pinned-supply-chain")
def test_prod_images_are_pinned_by_digest():
    for workload in workloads("prod"):
        for container in all_containers(pod_spec(workload)):
            name, _, digest = container["image"].partition(DIGEST_SUFFIX)
            assert name and len(digest) == 64 and set(digest) <= set("0123456789abcdef"), container["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_image_is_latest_or_untagged(overlay):
    for workload in workloads(overlay):
        for container in all_containers(pod_spec(workload)):
            image = container["image"]
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            assert DIGEST_SUFFIX in image or (tag and tag != "latest"), image


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_namespace_carries_all_three_pod_security_labels(overlay):
    for namespace in objects(overlay, "Namespace"):
        labels = namespace["metadata"]["labels"]
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] in {"restricted", "baseline"}
            assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.32"
        # audit and warn report every deviation from restricted, wherever enforce is lower.
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_namespace_enforces_restricted_and_opts_into_admission_policies(overlay):
    labels = one(overlay, "Namespace", NAMESPACE)["metadata"]["labels"]

    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert labels["secure-mlops.io/admission"] == "enforce"
    assert labels["secure-mlops.io/environment"] == overlay


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("hardened-runtime")
def test_every_namespace_has_a_default_deny_network_policy(overlay):
    # The project's namespace denies by default for every pod; the shared profile namespace for
    # the pipeline's step pods only (its other tenants are the profile's business).
    for namespace in objects(overlay, "Namespace"):
        name = namespace["metadata"]["name"]
        selectors = [p["spec"]["podSelector"] for p in objects(overlay, "NetworkPolicy", name)
                     if p["spec"]["policyTypes"] == ["Ingress", "Egress"] and not p["spec"].get("ingress")]
        expected = {} if name == NAMESPACE else yaml.safe_load(STEP_PODS)
        assert expected in selectors, f"{overlay}: no default-deny NetworkPolicy in {name}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_shared_profile_namespace_itself_is_left_to_kubeflow(overlay):
    # Its Pod Security labels would bind every tenant's pods, not only the pipeline's.
    assert not [n for n in objects(overlay, "Namespace") if n["metadata"]["name"] == profile_namespace(overlay)]


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("hardened-runtime")
def test_profile_namespace_policies_select_the_pipelines_step_pods_and_no_other_tenant(overlay):
    step = {"secure-mlops/data-classification": "pseudonymized", "pipelines.kubeflow.org/v2_component": "true"}
    others = [{"notebook-name": "analysis", "security.istio.io/tlsMode": "istio"},
              {"pipelines.kubeflow.org/v2_component": "true"}, {}]  # a notebook, a driver or another pipeline
    for policy in objects(overlay, "NetworkPolicy", profile_namespace(overlay)):
        selector = policy["spec"]["podSelector"]
        assert _selects(selector, step), policy["metadata"]["name"]
        assert not any(_selects(selector, labels) for labels in others), policy["metadata"]["name"]


def _selects(selector: dict, labels: dict[str, str]) -> bool:
    exists = all(e["key"] in labels for e in selector.get("matchExpressions", []) if e["operator"] == "Exists")
    assert {e["operator"] for e in selector.get("matchExpressions", [])} <= {"Exists"}
    return exists and all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _flows(overlay: str, namespace: str) -> set[tuple]:
    """Every allowed flow: (pod selector, direction, peer, ports) with peers and ports flattened."""
    flows = set()
    for policy in objects(overlay, "NetworkPolicy", namespace):
        spec = policy["spec"]
        selector = yaml.safe_dump(spec["podSelector"], sort_keys=True).strip()
        for direction, peer_field in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction, []):
                ports = tuple(sorted(f"{p['port']}/{p['protocol']}" for p in rule.get("ports", [])))
                for peer in rule.get(peer_field, []):
                    flows.add((selector, direction, yaml.safe_dump(peer, sort_keys=True).strip(), ports))
    return flows


def _ns(name: str) -> str:
    return yaml.safe_dump({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}},
                          sort_keys=True).strip()


DNS_PEER = yaml.safe_dump(
    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}, sort_keys=True).strip()
ALL_PODS = "{}"
INFERENCE_PODS = "matchLabels:\n  app.kubernetes.io/name: inference"
STEP_PODS = "matchExpressions:\n- key: secure-mlops/data-classification\n  operator: Exists"


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("api-guard")
def test_inference_namespace_allows_only_gateway_monitoring_dns_and_vault(overlay):
    assert _flows(overlay, NAMESPACE) == {
        (INFERENCE_PODS, "ingress", _ns("istio-system"), ("3000/TCP",)),
        (INFERENCE_PODS, "ingress", _ns("monitoring"), ("3000/TCP",)),
        (ALL_PODS, "egress", DNS_PEER, ("53/TCP", "53/UDP")),
        (INFERENCE_PODS, "egress", _ns("vault"), ("8200/TCP",)),
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_pods_reach_vault_only_on_its_port_in_its_namespace(overlay):
    # _flows skips a rule without peers or ports, which would allow every peer or every port:
    # in this namespace no rule may omit them.
    for policy in objects(overlay, "NetworkPolicy", NAMESPACE):
        spec = policy["spec"]
        for direction, peer_field in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction, []):
                assert rule.get(peer_field) and rule.get("ports"), (policy["metadata"]["name"], direction)
    to_vault = {flow for flow in _flows(overlay, NAMESPACE) if "vault" in flow[2]}

    assert to_vault == {(INFERENCE_PODS, "egress", _ns("vault"), ("8200/TCP",))}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_profile_namespace_allows_steps_dns_kubeflow_https_and_vault_and_no_ingress(overlay):
    https = yaml.safe_dump({"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}},
                           sort_keys=True).strip()

    assert _flows(overlay, profile_namespace(overlay)) == {
        (STEP_PODS, "egress", DNS_PEER, ("53/TCP", "53/UDP")),
        (STEP_PODS, "egress", _ns("kubeflow"), ()),
        (STEP_PODS, "egress", https, ("443/TCP", "6443/TCP")),
        (STEP_PODS, "egress", _ns("vault"), ("8200/TCP",)),
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("least-privilege-cluster")
def test_no_role_grants_wildcards_secrets_or_exec_and_none_is_cluster_wide(overlay):
    assert not [o for o in rendered(overlay) if o["kind"] in {"ClusterRole", "ClusterRoleBinding"}]
    for role in objects(overlay, "Role"):
        for rule in role["rules"]:
            for field in ("apiGroups", "resources", "verbs", "resourceNames"):
                assert "*" not in rule.get(field, []), (role["metadata"]["name"], field)
            assert not FORBIDDEN_RESOURCES & set(rule["resources"])
            assert not {"escalate", "bind", "impersonate"} & set(rule["verbs"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("least-privilege-cluster")
def test_every_service_account_is_one_per_workload_and_never_automounts(overlay):
    accounts = {(o["metadata"]["namespace"], o["metadata"]["name"]): o
                for o in objects(overlay, "ServiceAccount")}

    assert set(accounts) == {(NAMESPACE, "secure-mlops-inference"), (NAMESPACE, "secure-mlops-deployer"),
                             (NAMESPACE, "secure-mlops-auditor"),
                             (profile_namespace(overlay), "secure-mlops-pipeline")}
    assert all(a["automountServiceAccountToken"] is False for a in accounts.values())
    assert pod_spec(one(overlay, "Deployment", "inference"))["serviceAccountName"] == "secure-mlops-inference"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pipeline_service_account_names_this_environments_iam_role(overlay):
    account = one(overlay, "ServiceAccount", "secure-mlops-pipeline", profile_namespace(overlay))
    annotations = account["metadata"]["annotations"]

    assert annotations["eks.amazonaws.com/role-arn"].startswith("arn:aws:iam::")
    assert annotations["eks.amazonaws.com/role-arn"].endswith(f":role/secure-mlops-{overlay}-pipeline")
    assert int(annotations["eks.amazonaws.com/token-expiration"]) <= 3600


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pod_defaults_mount_short_lived_tokens_with_their_own_audience(overlay):
    namespace = profile_namespace(overlay)
    vault = one(overlay, "PodDefault", "secure-mlops-vault-token", namespace)["spec"]
    api = one(overlay, "PodDefault", "secure-mlops-kubernetes-api-token", namespace)["spec"]

    vault_token = vault["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
    assert vault_token["audience"] == "vault" and vault_token["expirationSeconds"] == 600
    mount = vault["volumeMounts"][0]
    assert mount["readOnly"] is True and mount["name"] == vault["volumes"][0]["name"]
    assert vault["env"] == [{"name": "SECURE_MLOPS_VAULT_KUBERNETES_JWT_PATH",
                             "value": f"{mount['mountPath']}/{vault_token['path']}"}]
    assert vault["selector"]["matchExpressions"] == [
        {"key": "secure-mlops/data-classification", "operator": "Exists"}]
    api_token = api["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
    assert api_token["expirationSeconds"] <= 3600 and "audience" not in api_token
    assert api["volumeMounts"][0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"


def _inference(overlay: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The inference pod spec, its one container, and that container's env as a dict."""
    spec = pod_spec(one(overlay, "Deployment", "inference", NAMESPACE))
    (container,) = spec["containers"]
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    return spec, container, env


def _mounted(spec: dict[str, Any], container: dict[str, Any], name: str) -> tuple[dict, dict]:
    """The volume called `name` and the container's mount of it (exactly one)."""
    (volume,) = [v for v in spec["volumes"] if v["name"] == name]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == name]
    return volume, mount


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("api-guard")
def test_inference_reads_its_token_hashes_from_the_secret_mounted_read_only(overlay):
    spec, container, env = _inference(overlay)
    volume, mount = _mounted(spec, container, "inference-tokens")
    secret = volume["secret"]

    assert secret["secretName"] == "inference-tokens" and not secret.get("optional", False)
    (item,) = secret["items"]
    assert item["key"] == "tokens.json"
    assert mount["readOnly"] is True and "subPath" not in mount, "a subPath mount never sees updates"
    assert env["SECURE_MLOPS_SERVING_TOKEN_FILE"] == f"{mount['mountPath']}/{item['path']}"
    # Owner root, group fsGroup: readable by the service's user through its group, by no other.
    mode = item.get("mode", secret["defaultMode"])
    assert mode in {0o400, 0o440}
    user = container["securityContext"]["runAsUser"]
    assert spec["securityContext"]["fsGroup"] == container["securityContext"]["runAsGroup"] == user == 1034


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_trusts_the_same_vault_ca_at_the_same_address_as_the_pipelines_steps(overlay):
    from pipelines.platform import DEFAULT_VAULT_ADDR, VAULT_CA_CONFIGMAP, VAULT_ENV

    spec, container, env = _inference(overlay)
    volume, mount = _mounted(spec, container, "vault-ca")
    (item,) = volume["configMap"]["items"]

    assert volume["configMap"]["name"] == VAULT_CA_CONFIGMAP and item["key"] == "ca.crt"
    assert mount["readOnly"] is True
    assert env["VAULT_CACERT"] == f"{mount['mountPath']}/{item['path']}" == VAULT_ENV["VAULT_CACERT"]
    assert env["VAULT_ADDR"] == DEFAULT_VAULT_ADDR and env["VAULT_ADDR"].startswith("https://")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_inference_logs_in_to_vault_with_a_short_lived_token_for_vault_only(overlay):
    spec, container, env = _inference(overlay)
    volume, mount = _mounted(spec, container, "vault-token")
    (source,) = volume["projected"]["sources"]
    token = source["serviceAccountToken"]

    assert spec["automountServiceAccountToken"] is False
    assert token["audience"] == "vault" and 600 <= token["expirationSeconds"] <= 3600
    assert mount["readOnly"] is True
    assert volume["projected"].get("defaultMode", 0o644) & 0o007 == 0, "other users may not read it"
    assert env["SECURE_MLOPS_VAULT_KUBERNETES_JWT_PATH"] == f"{mount['mountPath']}/{token['path']}"
    assert env["SECURE_MLOPS_VAULT_AUTH"] == "kubernetes"
    assert env["SECURE_MLOPS_VAULT_KUBERNETES_ROLE"] == spec["serviceAccountName"] == "secure-mlops-inference"
    assert (VAULT_POLICIES / f"{env['SECURE_MLOPS_VAULT_KUBERNETES_ROLE']}.hcl").is_file()
    # The only token in the pod: no other projected token, no API token at the standard path.
    tokens = [s for v in spec["volumes"] for s in v.get("projected", {}).get("sources", [])
              if "serviceAccountToken" in s]
    assert tokens == [source]
    assert all(not m["mountPath"].startswith("/var/run/secrets/kubernetes.io")
               for m in container["volumeMounts"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscaler_and_disruption_budget_govern_the_inference_pods(overlay):
    deployment = one(overlay, "Deployment", "inference", NAMESPACE)
    hpa = one(overlay, "HorizontalPodAutoscaler", "inference", NAMESPACE)["spec"]
    pdb = one(overlay, "PodDisruptionBudget", "inference", NAMESPACE)["spec"]

    assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "inference"}
    assert 1 <= hpa["minReplicas"] < hpa["maxReplicas"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["maxUnavailable"] == 1


def test_prod_runs_more_replicas_than_dev():
    def low(overlay: str) -> int:
        return one(overlay, "HorizontalPodAutoscaler", "inference")["spec"]["minReplicas"]

    assert low("prod") >= 2 and low("prod") > low("dev")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_scrapes_the_inference_service_metrics_port(overlay):
    service = one(overlay, "Service", "inference", NAMESPACE)
    monitor = one(overlay, "ServiceMonitor", "inference", NAMESPACE)["spec"]

    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert [(e["port"], e["path"]) for e in monitor["endpoints"]] == [("http", "/metrics")]
    assert "http" in {p["name"] for p in service["spec"]["ports"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_rules_alert_on_drift_errors_latency_and_abuse_spikes(overlay):
    """Structure only: what each alert fires on is tested by promtool (test_prometheus_rules.py)."""
    groups = one(overlay, "PrometheusRule", "inference", NAMESPACE)["spec"]["groups"]
    rules = {r["alert"]: r for group in groups for r in group["rules"]}

    assert set(rules) == {"SecureMlopsFeatureDrift", "SecureMlopsInference5xxRate", "SecureMlopsInferenceLatencyP99",
                          "SecureMlopsUnauthorizedSpike", "SecureMlopsRateLimitedSpike",
                          "SecureMlopsRejectedRequestSpike"}
    for rule in rules.values():
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"] and rule["for"]
        assert f'namespace="{NAMESPACE}"' in rule["expr"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlays_hold_only_patches_over_the_bases(overlay):
    folder = K8S / "overlays" / overlay
    kustomizations = sorted(folder.rglob("kustomization.yaml"))
    listed = set()
    for path in kustomizations:
        config = yaml.safe_load(path.read_text())
        assert set(config) <= {"apiVersion", "kind", "namespace", "resources", "components", "images", "patches"}, path
        # The only component is the release file: the images by digest.
        assert [(path.parent / c).resolve() for c in config.get("components", [])] in ([], [K8S / "release"]), path
        for resource in config["resources"]:
            target = (path.parent / resource).resolve()
            local = (target / "kustomization.yaml") in kustomizations
            assert target.is_relative_to(K8S / "base") or local, resource
        listed |= {(path.parent / p["path"]).resolve() for p in config.get("patches", [])}
    files = {p.resolve() for p in folder.rglob("*.yaml")} - {p.resolve() for p in kustomizations}
    assert files == listed, "every other file of an overlay is a patch it applies"


def test_prod_runs_the_inference_image_the_release_file_pins():
    from secure_mlops.deploy.release_images import pinned_images, release_file

    (deployment,) = [o for o in rendered("prod") if o["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == pinned_images(release_file(ROOT))["secure-mlops-inference"]
