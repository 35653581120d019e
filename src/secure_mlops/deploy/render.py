"""Render the inference service's manifests: a kustomize overlay over the hardened base.

The overlay lives in the output folder beside a copy of the base, so the folder is complete on
its own (reviewable, re-renderable with `kubectl kustomize`, committable to a GitOps repo) no
matter where it is. The overlay only patches: image, model tag, and labels naming the model.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from secure_mlops.deploy.names import check_namespace, parse_image, pinned_version
from secure_mlops.errors import ConfigError
from secure_mlops.packaging.layout import MODEL_TAG_ENV
from secure_mlops.storage.atomic import write_atomically


# src/secure_mlops/deploy/render.py -> the checkout's root
def default_base_dir() -> Path:
    from secure_mlops.config import get_settings

    return get_settings().project_root / "k8s" / "base"
BASE_IMAGE_NAME = "secure-mlops-inference"  # the placeholder `image:` of the base Deployment
DEPLOYMENT = "inference"
CONTAINER = "inference"
MODEL_VERSION_LABEL = "secure-mlops/model-version"
MODEL_TAG_ANNOTATION = "secure-mlops/model-tag"
BENTO_TAG_ANNOTATION = "secure-mlops/bento-tag"
MANIFESTS = "manifests.yaml"
PATCH = "patch-release.yaml"
KUSTOMIZE_TIMEOUT_SECONDS = 60


def render_manifests(
    *,
    bento_tag: str,
    image: str,
    model_tag: str,
    out_dir: Path,
    namespace: str = "secure-mlops",
    base_dir: Path | None = None,
) -> Path:
    """Write `out_dir/{base/,kustomization.yaml}`, render them with `kubectl kustomize` into
    `out_dir/manifests.yaml`, and return that path. Tags must name exact versions."""
    pinned_version("bento tag", bento_tag)
    patch = _release_patch(model_tag=model_tag, bento_tag=bento_tag,
                           model_version=pinned_version("model tag", model_tag))
    overlay = _overlay(image=image, namespace=check_namespace(namespace))
    base_dir, out_dir = Path(base_dir) if base_dir is not None else default_base_dir(), Path(out_dir)
    if not (base_dir / "kustomization.yaml").is_file():
        raise ConfigError(f"no kustomize base at {base_dir}", hint="set SECURE_MLOPS_PROJECT_ROOT to the folder holding k8s/")
    out_dir.mkdir(parents=True, exist_ok=True)
    _copy_base(base_dir, out_dir / "base")
    _write(out_dir / PATCH, yaml.safe_dump(patch, sort_keys=False))
    _write(out_dir / "kustomization.yaml", yaml.safe_dump(overlay, sort_keys=False))
    manifests = out_dir / MANIFESTS
    _write(manifests, _kustomize(out_dir))
    return manifests


def _overlay(*, image: str, namespace: str) -> dict[str, Any]:
    ref = parse_image(image)
    image_entry = {"name": BASE_IMAGE_NAME, "newName": ref.name}
    image_entry.update({"digest": ref.digest} if ref.digest else {"newTag": ref.tag})
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": namespace,
        "resources": ["base"],
        "images": [image_entry],
        "patches": [{"path": PATCH}],
    }


def _release_patch(*, model_tag: str, bento_tag: str, model_version: str) -> dict[str, Any]:
    """Strategic-merge patch naming the release on the Deployment and its pods (the pod labels
    let a monitoring query split by model version), and the model tag the service loads."""

    def metadata() -> dict[str, Any]:  # fresh dicts each time, so the YAML has no anchors
        return {"labels": {MODEL_VERSION_LABEL: model_version},
                "annotations": {MODEL_TAG_ANNOTATION: model_tag, BENTO_TAG_ANNOTATION: bento_tag}}

    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": DEPLOYMENT, **metadata()},
        "spec": {"template": {
            "metadata": metadata(),
            "spec": {"containers": [{
                "name": CONTAINER,
                "env": [{"name": MODEL_TAG_ENV, "value": model_tag}],
            }]},
        }},
    }


def _copy_base(source: Path, target: Path) -> None:
    # A fresh copy each time: a file dropped from the base must not linger in the overlay.
    if target.exists():
        shutil.rmtree(target)
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            _write(destination, path.read_text(encoding="utf-8"))


def _kustomize(overlay_dir: Path) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise ConfigError("kubectl is not on PATH; it renders the kustomize overlay",
                          hint="install kubectl 1.32 or newer")
    try:
        done = subprocess.run(  # noqa: S603 - kubectl found on PATH, fixed arguments, no shell
            [kubectl, "kustomize", str(overlay_dir)],
            capture_output=True, text=True, timeout=KUSTOMIZE_TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConfigError(f"kubectl kustomize did not finish in {KUSTOMIZE_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        raise ConfigError(f"kubectl kustomize failed on {overlay_dir}: {first}")
    return done.stdout


def _write(path: Path, text: str) -> None:
    write_atomically(path, text)
