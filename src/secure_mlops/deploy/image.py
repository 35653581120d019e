"""The inference image a release is rendered with, from what the caller names.

A bare repository stands for the image CI builds from this very bento (scripts/build-images.sh
tags it with the bento's version), so it becomes `repository:<bento version>`. Applying needs a
digest: the prod admission policy refuses tags, and a tag can be moved to other bytes after the
release was verified. The pipeline's deploy step and `secure-mlops deploy` share this rule.
"""

from __future__ import annotations

from pathlib import Path

from secure_mlops.deploy.names import parse_image
from secure_mlops.errors import InputError
from secure_mlops.packaging.bento import bento_info


def release_image(inference_image: str, bento_dir: Path, *, apply: bool) -> str:
    """`inference_image` as it is when pinned by digest, else `inference_image:<bento version>`;
    `InputError` when `apply` is set and the result is not pinned by digest."""
    if "@" in inference_image:
        image = inference_image
    else:
        _, _, version = bento_info(Path(bento_dir))[0].partition(":")
        image = f"{inference_image.rstrip('/')}:{version}"
    if apply and parse_image(image).digest is None:
        raise InputError(
            "apply needs the inference image by digest (the prod admission policy refuses tags)",
            hint="build and push the image (scripts/build-images.sh, scripts/push-and-pin.sh), then name it "
            "registry/name@sha256:<digest> (the pipeline's inference_image, or --image)",
        )
    return image
