"""Deploy a release: verify its signed manifest, then render manifests, and optionally publish the
release to the lake and apply it.

Verification comes first and nothing is written before it passes: a tampered manifest, model
file or bento, an image other than the one the manifest pins, or an older release than the last
one deployed (`deploy/sequence.py`) leaves no rendered output behind that someone could apply
by hand. The tags put into the manifests come from the verified bento, never from the caller.

The release sequence is checked and recorded beside the published releases, so a deploy that
publishes (`release_uri`) or applies needs `release_uri`; a deploy that only renders into a
folder has nothing to roll back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from secure_mlops.deploy.apply import apply_manifests
from secure_mlops.deploy.publish import bento_folder, publish_release
from secure_mlops.deploy.render import render_manifests
from secure_mlops.deploy.sequence import RECORD, DeployedRelease, SequenceLedger, SequenceRecord, check_sequence
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging.bento import bento_info
from secure_mlops.packaging.manifest import load_signed_manifest, release_info, verify_manifest
from secure_mlops.storage import S3Store, parse_s3_uri

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
    sequence: int = 0
    """The signed release sequence."""
    rollback: bool = False
    """Whether this was a rollback, let through by `allow_rollback`."""


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
    allow_rollback: bool = False,
) -> DeployResult:
    """Verify, render into `out_dir`, publish to `release_uri` (an s3:// prefix, the lake's
    models/) when given, and apply to the current cluster when `apply` is set (which needs
    `release_uri`).

    Raises `IntegrityError` (nothing written or published) when the signature, the model file's
    digest, the bento's digest or the pinned image does not match, or for a rollback without
    `allow_rollback`; `StorageError` when S3 refuses, `ClusterError` when the cluster refuses.
    """
    if apply and not release_uri:
        raise InputError("applying a release needs release_uri (the lake's models/ prefix)",
                         hint="the last deployed release sequence is recorded there, so an older "
                         "release cannot be applied again unnoticed")
    if release_uri:
        parse_s3_uri(release_uri)  # a bad URI fails before anything is written
    signed = load_signed_manifest(Path(signed_manifest_path))
    verify_manifest(signed, signer, model_file=Path(model_file), bento_dir=Path(bento_dir))
    bento_tag, model_tag = bento_info(Path(bento_dir))
    if bento_tag != signed.manifest["bento"].get("tag"):  # "bento" is there: its digest matched
        raise IntegrityError("bento tag does not match the signed manifest",
                             hint=f"bento: {bento_tag}")
    release = release_info(signed)
    if release.image is not None and image != release.image:
        raise IntegrityError("the inference image is not the one the signed manifest names",
                             hint=f"deploy {release.image}")
    current = DeployedRelease(release.sequence, bento_tag)
    ledger = _ledger(release_uri, bento_tag) if release_uri else None
    record = ledger.read() if ledger else None
    rollback = check_sequence(current, record, allow_rollback=allow_rollback, where=ledger.where) if ledger else False
    manifests = render_manifests(bento_tag=bento_tag, image=image, model_tag=model_tag,
                                 out_dir=Path(out_dir), namespace=namespace)
    published = publish_release(release_uri, bento_tag=bento_tag, bento_dir=Path(bento_dir),
                                signed_manifest=Path(signed_manifest_path), manifests=manifests) if ledger else None
    applied = apply_manifests(manifests) if apply else []
    if ledger:  # recorded last: a release that failed to publish or apply was not deployed
        ledger.write(record.after(current) if record else SequenceRecord(current, current))
    return DeployResult(manifests=manifests, bento_tag=bento_tag, model_tag=model_tag,
                        applied=tuple(applied), published=published, sequence=release.sequence,
                        rollback=rollback)


def _ledger(release_uri: str, bento_tag: str) -> SequenceLedger:
    bucket, releases = bento_folder(release_uri, bento_tag.partition(":")[0])
    return SequenceLedger(S3Store(bucket), f"{releases}/{RECORD}")
