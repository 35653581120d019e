"""Rendered manifests: valid for Kubernetes 1.32 and hardened in every container."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from secure_mlops.deploy import render_manifests
from secure_mlops.errors import ConfigError, InputError

VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
MODEL_TAG = "secure-mlops-model:abc123def456"
BENTO_TAG = "secure-mlops-inference:xyz789uvw012"
IMAGE = "registry.example:5000/ml/inference@sha256:" + "c" * 64


def _render(out_dir: Path, **overrides) -> Path:
    kwargs = {"bento_tag": BENTO_TAG, "image": IMAGE, "model_tag": MODEL_TAG, "out_dir": out_dir,
              **overrides}
    return render_manifests(**kwargs)


def _objects(path: Path) -> dict[str, dict]:
    return {d["kind"]: d for d in yaml.safe_load_all(path.read_text()) if d}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    return _render(tmp_path_factory.mktemp("release"), namespace="ml-prod")


def test_rendered_manifests_pass_kubernetes_validate_strict_for_1_32(rendered):
    done = subprocess.run([str(VALIDATE), "-k", "1.32.0", "--strict", str(rendered)],
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("passed") == 5


@pytest.mark.control("hardened-runtime")
def test_every_container_runs_restricted(rendered):
    pod = _objects(rendered)["Deployment"]["spec"]["template"]["spec"]
    containers = pod["containers"] + pod.get("initContainers", [])

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in containers:
        context = container["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == 1034
        assert context["allowPrivilegeEscalation"] is False
        assert context["readOnlyRootFilesystem"] is True
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


def test_tmp_is_memory_backed_and_the_only_writable_mount(rendered):
    pod = _objects(rendered)["Deployment"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}

    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}
    # The others hold what the service reads: token hashes, Vault's CA, its Vault login token.
    assert {name: set(v) - {"name"} for name, v in volumes.items() if name != "tmp"} == {
        "inference-tokens": {"secret"}, "vault-ca": {"configMap"}, "vault-token": {"projected"}}
    mounts = pod["containers"][0]["volumeMounts"]
    assert {m["name"] for m in mounts} == set(volumes)
    assert [m for m in mounts if not m.get("readOnly")] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_namespace_enforces_restricted_and_network_is_denied_by_default(rendered):
    objects = _objects(rendered)

    labels = objects["Namespace"]["metadata"]["labels"]
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    policy = objects["NetworkPolicy"]["spec"]
    assert policy == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert objects["ServiceAccount"]["automountServiceAccountToken"] is False


def test_release_names_image_model_and_namespace(rendered):
    objects = _objects(rendered)
    deployment = objects["Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]

    assert container["image"] == IMAGE
    assert {"name": "SECURE_MLOPS_MODEL_TAG", "value": MODEL_TAG} in container["env"]
    for meta in (deployment["metadata"], deployment["spec"]["template"]["metadata"]):
        assert meta["labels"]["secure-mlops/model-version"] == "abc123def456"
        assert meta["annotations"]["secure-mlops/model-tag"] == MODEL_TAG
        assert meta["annotations"]["secure-mlops/bento-tag"] == BENTO_TAG
    assert objects["Namespace"]["metadata"]["name"] == "ml-prod"
    assert {o["metadata"].get("namespace") for k, o in objects.items() if k != "Namespace"} == {"ml-prod"}


def test_output_folder_renders_again_on_its_own(rendered):
    done = subprocess.run(["kubectl", "kustomize", str(rendered.parent)],
                          capture_output=True, text=True, timeout=60, check=True)

    assert done.stdout == rendered.read_text()


def test_a_tagged_image_is_accepted(tmp_path):
    manifests = _render(tmp_path, image="ghcr.io/acme/inference:1.4.2")

    assert "image: ghcr.io/acme/inference:1.4.2" in manifests.read_text()


def test_rendering_again_drops_files_removed_from_the_base(tmp_path):
    _render(tmp_path)
    (tmp_path / "base" / "stale.yaml").write_text("kind: Secret\n")

    _render(tmp_path)

    assert not (tmp_path / "base" / "stale.yaml").exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"model_tag": "secure-mlops-model:latest"},
        {"model_tag": "secure-mlops-model"},
        {"bento_tag": "Bad Tag:1"},
        {"image": "registry.example/ml/inference"},
        {"image": "registry.example/ml/inference:latest"},
        {"image": "registry.example/ml/inference:1\nkind: Secret"},
        {"namespace": "Prod_NS"},
    ],
    ids=["latest-model", "unversioned-model", "bad-bento-tag", "untagged-image", "latest-image",
         "injected-image", "bad-namespace"],
)
def test_unpinned_or_malformed_names_are_refused_before_anything_is_written(tmp_path, overrides):
    out_dir = tmp_path / "release"

    with pytest.raises(InputError):
        _render(out_dir, **overrides)
    assert not out_dir.exists()


def test_missing_kubectl_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(ConfigError, match="kubectl is not on PATH"):
        _render(tmp_path / "release")
