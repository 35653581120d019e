"""Deploy a release: verify its signed manifest, then render manifests, and optionally publish the
release to the lake and apply it.

Verification comes first and nothing is written before it passes: a tampered manifest, model
file or bento leaves no rendered output behind that someone could apply by hand. The tags put
into the manifests come from the verified bento, never from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from secure_mlops.deploy.apply import apply_manifests
from secure_mlops.deploy.publish import publish_release
from secure_mlops.deploy.render import render_manifests
from secure_mlops.errors import IntegrityError
from secure_mlops.packaging.bento import bento_info
from secure_mlops.packaging.manifest import load_signed_manifest, verify_manifest
from secure_mlops.storage import parse_s3_uri

if TYPE_CHECKING:
    from secure_mlops.vault.signing import Signer


@dataclass(frozen=True)
class DeployResult:
    manifests: Path
    """The rendered `manifests.yaml`; its folder also holds the overlay and the base."""
    bento_tag: str
    model_tag: str
    applied: tuple[str, ...]
    """``kind/namespace/name`` of each object applied; empty when `apply` was off."""
    published: str | None = None
    """The s3:// folder the release was published to; None when no `release_uri` was given."""


def deploy(
    signed_manifest_path: Path,
    *,
    signer: Signer,
    model_file: Path,
    bento_dir: Path,
    image: str,
    out_dir: Path,
    apply: bool = False,
    namespace: str = "secure-mlops",
    release_uri: str = "",
) -> DeployResult:
    """Verify, render into `out_dir`, publish to `release_uri` (an s3:// prefix, the lake's
    models/) when given, and apply to the current cluster when `apply` is set.

    Raises `IntegrityError` (nothing written or published) when the signature, the model file's
    digest or the bento's digest does not match, `StorageError` when S3 refuses, `ClusterError`
    when the cluster refuses.
    """
    if release_uri:
        parse_s3_uri(release_uri)  # a bad URI fails before anything is written
    signed = load_signed_manifest(Path(signed_manifest_path))
    verify_manifest(signed, signer, model_file=Path(model_file), bento_dir=Path(bento_dir))
    bento_tag, model_tag = bento_info(Path(bento_dir))
    if bento_tag != signed.manifest["bento"].get("tag"):  # "bento" is there: its digest matched
        raise IntegrityError("bento tag does not match the signed manifest",
                             hint=f"bento: {bento_tag}")
    manifests = render_manifests(bento_tag=bento_tag, image=image, model_tag=model_tag,
                                 out_dir=Path(out_dir), namespace=namespace)
    published = publish_release(release_uri, bento_tag=bento_tag, bento_dir=Path(bento_dir),
                                signed_manifest=Path(signed_manifest_path), manifests=manifests) if release_uri else None
    applied = apply_manifests(manifests) if apply else []
    return DeployResult(manifests=manifests, bento_tag=bento_tag, model_tag=model_tag,
                        applied=tuple(applied), published=published)
