"""The kustomize overlays (k8s/overlays/<overlay>) as the cluster would receive them, and the
offline schema check of Kubernetes objects: shared by the manifest, admission and checkov tests."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.paths import K8S
from tests.support.tools import path_tool

OVERLAYS = ("dev", "prod")
# The project's namespace: the inference service, its access objects and its monitoring.
NAMESPACE = "secure-mlops"
WORKLOAD_KINDS = {"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}
KUBERNETES_VERSION = "1.32.0"
_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"


@functools.cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    """`kubectl kustomize k8s/overlays/<overlay>`, parsed; rendered once per test session."""
    done = subprocess.run([path_tool("kubectl"), "kustomize", str(K8S / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def profile_namespace(overlay: str) -> str:
    """The KFP profile namespace, set once in overlays/<env>/pipeline/kustomization.yaml."""
    kustomization = K8S / "overlays" / overlay / "pipeline" / "kustomization.yaml"
    return yaml.safe_load(kustomization.read_text())["namespace"]


def assert_valid_kubernetes(files: list[Path], objects: int) -> None:
    """kubernetes-validate, strict, against KUBERNETES_VERSION: the files hold `objects` objects
    and every one of them passes."""
    done = subprocess.run([str(_VALIDATE), "-k", KUBERNETES_VERSION, "--strict", *map(str, files)],
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" passed ") == objects


def write_rendered_overlays(folder: Path) -> dict[str, Path]:
    """Each overlay, rendered by kubectl kustomize, written to `<folder>/<overlay>.yaml`."""
    files = {overlay: folder / f"{overlay}.yaml" for overlay in OVERLAYS}
    for overlay, path in files.items():
        path.write_text(yaml.safe_dump_all(rendered(overlay)))
    return files
