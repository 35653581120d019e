"""The release file: the step and inference images of one release, pinned by digest.

`k8s/release/kustomization.yaml` is a kustomize component (the prod overlay includes it) whose
`images:` entries are the one place a digest is written. Compiling the pipeline and rendering a
deployment read it here, so the compiled YAML, the overlay and the deploy step name the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from secure_mlops.deploy.names import parse_image
from secure_mlops.errors import InputError
from secure_mlops.storage import read_file

PIPELINE_IMAGE = "secure-mlops-pipeline"
INFERENCE_IMAGE = "secure-mlops-inference"


def release_file(project_root: Path) -> Path:
    return Path(project_root) / "k8s" / "release" / "kustomization.yaml"


def pinned_images(path: Path) -> dict[str, str]:
    """`{name: "registry/repository@sha256:..."}` for both images of the release file at `path`.

    Raises `InputError` when the file is unreadable, an image is missing, or one is not pinned by
    a digest: a tag could be moved to other bytes after review.
    """
    try:
        document = yaml.safe_load(read_file(path, "the release file"))
        entries = {entry["name"]: entry for entry in document["images"]}
    except (yaml.YAMLError, TypeError, KeyError):
        raise InputError(f"{path} is not a release file (a kustomize component with images:)") from None
    pinned: dict[str, str] = {}
    for name in (PIPELINE_IMAGE, INFERENCE_IMAGE):
        entry = entries.get(name)
        if not isinstance(entry, dict) or not entry.get("newName") or not entry.get("digest"):
            raise InputError(f"{path}: image {name} needs newName and digest",
                             hint="scripts/push-and-pin.sh writes both")
        reference = f"{entry['newName']}@{entry['digest']}"
        if parse_image(reference).digest is None:
            raise InputError(f"{path}: image {name} is not pinned by a sha256 digest")
        pinned[name] = reference
    return pinned
