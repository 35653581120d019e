"""The images of the release, and the decorator every component is made with.

The step image is the release file's pinned digest (k8s/release/kustomization.yaml), or
SECURE_MLOPS_PIPELINE_IMAGE, which must be pinned by digest too; kfp.local ignores it and runs the
steps in this venv. The inference image's repository is the deploy step's default.
"""

from __future__ import annotations

import functools
import os

from kfp import dsl

from secure_mlops.config import get_settings
from secure_mlops.deploy.names import parse_image
from secure_mlops.deploy.release_images import INFERENCE_IMAGE, pinned_images, release_file
from secure_mlops.deploy.release_images import PIPELINE_IMAGE as RELEASE_NAME
from secure_mlops.errors import InputError

_RELEASE = pinned_images(release_file(get_settings().project_root))


def _pipeline_image() -> str:
    override = os.environ.get("SECURE_MLOPS_PIPELINE_IMAGE")
    if not override:
        return _RELEASE[RELEASE_NAME]
    if parse_image(override).digest is None:
        raise InputError("SECURE_MLOPS_PIPELINE_IMAGE must be pinned by digest",
                         hint="registry/secure-mlops-pipeline@sha256:<digest>, as scripts/push-and-pin.sh prints")
    return override


PIPELINE_IMAGE = _pipeline_image()
INFERENCE_REPOSITORY = _RELEASE[INFERENCE_IMAGE].partition("@")[0]

# The image has kfp installed from the hash-checked lock: without install_kfp_package=False every
# task would first `pip install kfp==...` from the internet, unpinned by hash.
step_component = functools.partial(dsl.component, base_image=PIPELINE_IMAGE, install_kfp_package=False)
