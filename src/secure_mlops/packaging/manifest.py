"""The provenance manifest: which data, contract, model, bento and keys a release came from,
signed with a Vault Transit ed25519 key (the private key never leaves Vault).

The manifest holds digests, versions, ids and metrics only: never a data value, a secret or a
token (text fields the redactor would change are refused). Its signature covers the canonical
JSON of the manifest (`canonical_json`); the envelope is

    {"manifest": {...}, "signature": "vault:v1:...", "key": "<key name>", "algorithm": "ed25519"}

`verify_manifest` checks the signature before it trusts any field, then the digests of the files
at hand. Every failure is an `IntegrityError`; deploy refuses on any.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secure_mlops.digest import canonical_json, file_sha256
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging.bento import bento_digest
from secure_mlops.packaging.fields import check_numbers, check_text, normalize_digest
from secure_mlops.storage import read_file, write_atomically

if TYPE_CHECKING:
    from secure_mlops.vault.signing import Signer

SCHEMA = "secure-mlops/provenance/v1"
ALGORITHM = "ed25519"
ED25519_SIGNATURE_BYTES = 64
_VAULT_SIGNATURE = re.compile(r"vault:v[1-9][0-9]*:([A-Za-z0-9+/]+={0,2})")
_ENVELOPE_KEYS = {"manifest", "signature", "key", "algorithm"}
BAD_SIGNATURE = "manifest signature does not verify"


@dataclass(frozen=True)
class SignedManifest:
    manifest: dict[str, Any]
    signature: str
    """Vault's form, ``vault:v<key version>:<base64>``."""
    key: str
    """Name of the Transit key that signed."""
    algorithm: str = ALGORITHM

    def to_dict(self) -> dict[str, Any]:
        return {"manifest": self.manifest, "signature": self.signature, "key": self.key,
                "algorithm": self.algorithm}


def build_manifest(
    *,
    data_digest: str,
    contract_name: str,
    contract_version: str,
    contract_digest: str,
    model_tag: str,
    model_digest: str,
    bento_tag: str,
    bento_digest: str,
    key_versions: Mapping[str, int],
    run_id: str,
    triggered_by: str,
    metrics: Mapping[str, float],
    privacy: Mapping[str, float],
) -> dict[str, Any]:
    """A manifest ready to sign; `InputError` names the first field that does not fit.

    Digests are ``sha256:<hex>`` (bare hex is accepted). `key_versions` maps each Vault key the
    run used (data, pseudonym, signing) to its version; `privacy` holds the privacy audit's
    numbers (k, membership advantage...).
    """
    return {
        "schema": SCHEMA,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run": {"id": check_text("run_id", run_id),
                "triggered_by": check_text("triggered_by", triggered_by)},
        "data": {
            "digest": normalize_digest("data_digest", data_digest),
            "contract": {
                "name": check_text("contract_name", contract_name),
                "version": check_text("contract_version", contract_version),
                "digest": normalize_digest("contract_digest", contract_digest),
            },
        },
        "model": {
            # The exact BentoML model version: the service loads this one and no other.
            "tag": check_text("model_tag", model_tag),
            "digest": normalize_digest("model_digest", model_digest),
            "format": "skops",
            "metrics": check_numbers("metrics", metrics),
            "privacy": check_numbers("privacy", privacy),
        },
        "bento": {"tag": check_text("bento_tag", bento_tag),
                  "digest": normalize_digest("bento_digest", bento_digest)},
        "keys": _check_key_versions(key_versions),
    }


def sign_manifest(manifest: Mapping[str, Any], signer: Signer) -> SignedManifest:
    """Sign the canonical JSON of `manifest` with `signer` (Vault Transit in production)."""
    frozen = copy.deepcopy(dict(manifest))  # later edits by the caller must not alter what was signed
    signature = signer.sign(canonical_json(frozen))
    if _signature_bytes(signature) is None:
        raise IntegrityError(f"signing key {signer.key_name!r} returned a malformed signature")
    return SignedManifest(manifest=frozen, signature=signature, key=signer.key_name)


def verify_manifest(
    signed: SignedManifest,
    signer: Signer,
    *,
    model_file: Path | None = None,
    bento_dir: Path | None = None,
) -> None:
    """Raise `IntegrityError` unless the signature verifies with `signer`'s key and the given
    model file and bento directory have the digests the manifest names."""
    if (signed.algorithm != ALGORITHM or signed.key != signer.key_name
            or _signature_bytes(signed.signature) is None):
        raise IntegrityError(BAD_SIGNATURE, hint=f"expected an {ALGORITHM} signature by key "
                                                 f"{signer.key_name!r}")
    valid = signer.verify(canonical_json(signed.manifest), signed.signature)
    if not valid:
        raise IntegrityError(BAD_SIGNATURE)
    manifest = signed.manifest
    if manifest.get("schema") != SCHEMA:
        raise IntegrityError(f"signed manifest has schema {manifest.get('schema')!r}, not {SCHEMA!r}")
    if model_file is not None and file_sha256(Path(model_file)) != _field(manifest, "model", "digest"):
        raise IntegrityError("model file digest does not match the signed manifest",
                             hint=f"file: {Path(model_file).name}")
    if bento_dir is not None and bento_digest(Path(bento_dir)) != _field(manifest, "bento", "digest"):
        raise IntegrityError("bento digest does not match the signed manifest",
                             hint=f"bento: {Path(bento_dir).name}")


def write_signed_manifest(signed: SignedManifest, path: Path) -> Path:
    path = Path(path)
    text = json.dumps(signed.to_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n"
    return write_atomically(path, text)


def load_signed_manifest(path: Path) -> SignedManifest:
    """Read an envelope written by `write_signed_manifest`. Its shape is checked here, its
    signature only by `verify_manifest`: nothing read here is trusted yet."""
    path = Path(path)
    raw = read_file(path, "signed manifest")
    try:
        envelope = json.loads(raw, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError is a ValueError
        raise IntegrityError(f"signed manifest {path.name} is not valid JSON") from None
    if (not isinstance(envelope, dict) or set(envelope) != _ENVELOPE_KEYS
            or not isinstance(envelope["manifest"], dict)
            or not all(isinstance(envelope[k], str) for k in ("signature", "key", "algorithm"))):
        raise IntegrityError(f"signed manifest {path.name} is malformed",
                             hint=f"expected exactly the fields {', '.join(sorted(_ENVELOPE_KEYS))}")
    return SignedManifest(manifest=envelope["manifest"], signature=envelope["signature"],
                          key=envelope["key"], algorithm=envelope["algorithm"])


def _refuse_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, which JSON does not define and canonical_json refuses.
    raise ValueError(f"{name} is not JSON")


def _check_key_versions(key_versions: Mapping[str, int]) -> dict[str, int]:
    clean = {}
    for name, version in key_versions.items():
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InputError(f"key_versions[{name}] must be a positive integer")
        clean[check_text("key name", name)] = version
    return clean


def _field(manifest: Mapping[str, Any], section: str, name: str) -> object:
    value = manifest.get(section)
    return value.get(name) if isinstance(value, dict) else None


def _signature_bytes(signature: object) -> bytes | None:
    """The raw signature of a well-formed ``vault:vN:<base64>`` ed25519 signature, else None.

    Checked before Vault sees it, so a garbled signature is an integrity failure rather than a
    Vault request error."""
    match = _VAULT_SIGNATURE.fullmatch(signature) if isinstance(signature, str) else None
    if match is None:
        return None
    try:
        raw = base64.b64decode(match.group(1), validate=True)
    except binascii.Error:
        return None
    return raw if len(raw) == ED25519_SIGNATURE_BYTES else None
