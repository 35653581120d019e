"""Packaging: a skops model in BentoML's store, the inference bento, the CycloneDX SBOM of the
inference image's lock, and the signed provenance manifest that ties data, contract, model,
bento, SBOM and keys together.

The manifest holds digests, versions, ids and metrics only, and this package holds no key:
signing and verification go through a `Signer` (Vault Transit). Models are never pickled (no
`bentoml.sklearn.save_model`), and BentoML is imported only inside the functions that need it
(its import takes seconds).
"""

from __future__ import annotations

from secure_mlops.packaging.bento import (
    BuiltBento,
    attach_manifest,
    bento_digest,
    bento_info,
    bento_sbom,
    build_bento,
    export_bento,
)
from secure_mlops.packaging.home import use_bentoml_home
from secure_mlops.packaging.manifest import (
    SignedManifest,
    build_manifest,
    load_signed_manifest,
    sbom_info,
    sign_manifest,
    verify_manifest,
    write_signed_manifest,
)
from secure_mlops.packaging.model import PackagedModel, package_model
from secure_mlops.packaging.sbom import Sbom, describe_sbom, lock_sbom, sbom_packages

__all__ = [
    "BuiltBento",
    "PackagedModel",
    "Sbom",
    "SignedManifest",
    "attach_manifest",
    "bento_digest",
    "bento_info",
    "bento_sbom",
    "build_bento",
    "build_manifest",
    "describe_sbom",
    "export_bento",
    "load_signed_manifest",
    "lock_sbom",
    "package_model",
    "sbom_info",
    "sbom_packages",
    "sign_manifest",
    "use_bentoml_home",
    "verify_manifest",
    "write_signed_manifest",
]
