"""What a bento serves, read from the bento's own files, and the check that it is what was signed.

A bento built by `secure_mlops.packaging.build_bento` carries, under its `src/release/`, the data
contract and the training profile (the service derives its schema and drift baseline from them)
and, once signed, the provenance manifest. Before a worker answers anything it verifies the
manifest's Transit signature, the bento digest (which covers the contract, the profile and the
service code) and the model file's digest, and that the model it declared is the one the
manifest names. Anything else and it refuses to start: there is no fallback model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from secure_mlops.errors import ConfigError, InputError, IntegrityError
from secure_mlops.packaging.bento import BENTO_YAML, bento_info
from secure_mlops.packaging.layout import (
    CONTRACT_FILE,
    MANIFEST_FILE,
    MODEL_FILENAME,
    MODEL_TAG_ENV,
    PROFILE_FILE,
    RELEASE_DIR,
)
from secure_mlops.packaging.manifest import SignedManifest, load_signed_manifest, verify_manifest
from secure_mlops.privacy.contract import DataContract
from secure_mlops.privacy.loader import load_contract
from secure_mlops.storage import read_file
from secure_mlops.validation.profile import DatasetProfile

if TYPE_CHECKING:
    from secure_mlops.vault.signing import Signer


@dataclass(frozen=True)
class Release:
    source_dir: Path
    """The service's source folder: the bento's src/, or the staging folder of a bento build."""
    contract: DataContract
    profile: DatasetProfile
    model_tag: str
    """The exact BentoML model version the service declares."""

    @property
    def bento_dir(self) -> Path | None:
        parent = self.source_dir.parent
        return parent if (parent / BENTO_YAML).is_file() else None


def read_release(source_dir: Path) -> Release:
    """The contract, profile and model tag beside the service (not verified yet: see
    `verify_release`). Enough to declare the API, which BentoML needs at import."""
    source_dir = Path(source_dir).resolve()
    release = source_dir / RELEASE_DIR
    contract = load_contract(release / CONTRACT_FILE)
    try:
        profile = DatasetProfile.model_validate_json(read_file(release / PROFILE_FILE, "the training profile"))
    except ValidationError:
        raise InputError(f"{release / PROFILE_FILE} is not a dataset profile") from None
    if profile.contract_sha256 != contract.digest():
        raise IntegrityError("the training profile was made under another contract than the bento's")
    return Release(source_dir=source_dir, contract=contract, profile=profile,
                   model_tag=_declared_model_tag(source_dir))


def verify_release(release: Release, model_dir: Path, signer: Signer) -> SignedManifest:
    """Raise `IntegrityError` unless the bento's signed manifest verifies and names exactly this
    bento, this model file and this model tag."""
    bento_dir = release.bento_dir
    if bento_dir is None:
        raise IntegrityError("the service runs only from a built, signed bento",
                             hint="serve it with `secure-mlops serve --bento TAG`")
    manifest_file = release.source_dir / RELEASE_DIR / MANIFEST_FILE
    if not manifest_file.is_file():
        raise IntegrityError(f"bento {bento_dir.name} has no signed provenance manifest",
                             hint="bentos are signed by the pipeline's package step")
    signed = load_signed_manifest(manifest_file)
    verify_manifest(signed, signer, model_file=Path(model_dir) / MODEL_FILENAME, bento_dir=bento_dir)
    named = signed.manifest.get("model", {}).get("tag")
    if named != release.model_tag:
        raise IntegrityError("the model the bento declares is not the one its signed manifest names")
    contract = signed.manifest.get("data", {}).get("contract", {})
    if contract.get("digest") != release.contract.digest():
        raise IntegrityError("the bento's contract is not the one its signed manifest names")
    return signed


def _declared_model_tag(source_dir: Path) -> str:
    # A bento build sets the variable (BentoML imports the service to build it); a built bento
    # names its model in bento.yaml. The Deployment may set the variable too: the manifest check
    # then proves that the release it meant is the one that was signed.
    tag = os.environ.get(MODEL_TAG_ENV)
    if tag:
        return tag
    bento_dir = source_dir.parent
    if (bento_dir / BENTO_YAML).is_file():
        return bento_info(bento_dir)[1]
    raise ConfigError(f"no model to serve: {source_dir} is not in a built bento and {MODEL_TAG_ENV} is unset",
                      hint="serve a bento built by the pipeline: `secure-mlops serve --bento TAG`")
