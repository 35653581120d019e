"""Packaging: a skops model in BentoML's store, the inference bento, and the signed provenance
manifest that ties data, contract, model, bento and keys together.

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
    build_bento,
    export_bento,
)
from secure_mlops.packaging.home import use_bentoml_home
from secure_mlops.packaging.manifest import (
    SignedManifest,
    build_manifest,
    load_signed_manifest,
    sign_manifest,
    verify_manifest,
    write_signed_manifest,
)
from secure_mlops.packaging.model import PackagedModel, package_model

__all__ = [
    "BuiltBento",
    "PackagedModel",
    "SignedManifest",
    "attach_manifest",
    "bento_digest",
    "bento_info",
    "build_bento",
    "build_manifest",
    "export_bento",
    "load_signed_manifest",
    "package_model",
    "sign_manifest",
    "use_bentoml_home",
    "verify_manifest",
    "write_signed_manifest",
]
