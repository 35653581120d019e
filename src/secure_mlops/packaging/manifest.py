"""The provenance manifest: which data, contract, model, bento, image and keys a release came
from, signed with a Vault Transit ed25519 key (the private key never leaves Vault).

The manifest holds digests, versions, ids and metrics only: never a data value, a secret or a
token (text fields the redactor would change are refused). Its signature covers the canonical
JSON of the manifest (`canonical_json`); the envelope is

    {"manifest": {...}, "signature": "vault:v1:...", "key": "<key name>", "algorithm": "ed25519"}

written in one form only (`write_signed_manifest`: sorted keys, two-space indent, ASCII, a final
newline). `load_signed_manifest` refuses duplicate keys and any other form of the same value:
what a reader parses is then exactly what was signed, whichever JSON parser it uses.

The signed body (schema v2) records:

- `release.sequence`: an integer that grows from one release to the next (the signing time in
  milliseconds since the Unix epoch by default). Deploy refuses a release older than the last
  one deployed unless a rollback is explicitly allowed (`secure_mlops.deploy.sequence`).
- `release.image`: the inference image by digest, when it is known at signing (the pipeline's
  `inference_image` given as `registry/name@sha256:...`); deploy then renders that image and no
  other. Without it the image is built later from this bento, and the bento's digest is what
  the signature covers.
- `keys`: for each role (`data`, `pseudonym` when the dataset has pseudonyms, `token` when it
  has reversible tokens, `signing`) the Vault key's name and the version the run used. The
  signature is made with exactly the signing version recorded, and verification checks that it
  was. The inference service answers correlation identifiers under the recorded pseudonym and
  token versions (`recorded_key`), so its answers join with the training data. `token` was added
  to v2 as `sbom` was (below): optional, absent from releases without tokens or signed before it.
- `sbom`: the CycloneDX SBOM of the inference image's lock, carried in the bento
  (`bento_sbom`): `{"format": "CycloneDX", "spec_version": "1.6", "digest": "sha256:..."}`.
  Added to v2 without a new schema, as an optional section: a reader that knows it checks it
  whenever it is there (a malformed one, or a file of another digest, fails verification); a
  v2 manifest signed before SBOMs existed has none and still verifies, so an older release can
  be deployed or rolled back to; a reader that predates it ignores it. The package step always
  records it. Schema v3 is for a change an older reader would misread, not for an addition.

`verify_manifest` checks the signature before it trusts any field, then the body's shape and
the digests of the files at hand. Every failure is an `IntegrityError`; deploy refuses on any.
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
from secure_mlops.packaging.bento import bento_digest, bento_sbom
from secure_mlops.packaging.fields import check_numbers, check_text, normalize_digest
from secure_mlops.packaging.sbom import FORMAT as SBOM_FORMAT
from secure_mlops.packaging.sbom import Sbom
from secure_mlops.storage import read_file, write_atomically

if TYPE_CHECKING:
    from secure_mlops.vault.signing import Signer

SCHEMA = "secure-mlops/provenance/v2"
ALGORITHM = "ed25519"
ED25519_SIGNATURE_BYTES = 64
KEY_ROLES = ("data", "pseudonym", "signing", "token")
REQUIRED_KEY_ROLES = frozenset({"data", "signing"})
_VAULT_SIGNATURE = re.compile(r"vault:v([1-9][0-9]*):([A-Za-z0-9+/]+={0,2})")
_PINNED_IMAGE = re.compile(r"[^\s@]+@sha256:[0-9a-f]{64}")
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
_SBOM_KEYS = {"format", "spec_version", "digest"}
_ENVELOPE_KEYS = {"manifest", "signature", "key", "algorithm"}
BAD_SIGNATURE = "manifest signature does not verify"


@dataclass(frozen=True)
class ReleaseInfo:
    """The signed body's `release` section."""

    sequence: int
    image: str | None


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
    keys: Mapping[str, tuple[str, int]],
    run_id: str,
    triggered_by: str,
    metrics: Mapping[str, float],
    privacy: Mapping[str, float],
    image: str | None = None,
    sequence: int | None = None,
    sbom: Sbom | None = None,
) -> dict[str, Any]:
    """A manifest ready to sign; `InputError` names the first field that does not fit.

    Digests are ``sha256:<hex>`` (bare hex is accepted). `keys` maps each role the run used a
    Vault key for (`data` and `signing` always, `pseudonym` when the dataset has pseudonyms,
    `token` when it has reversible tokens) to the key's name and version; `privacy` holds the
    privacy audit's numbers (k, membership advantage...). `image` is the inference image, pinned by digest, when known. `sequence`
    defaults to the creation time in milliseconds, which grows from release to release as long
    as the clocks of the machines that sign are synchronized. `sbom` describes the inference
    image's SBOM the bento carries (`describe_sbom`); the package step always gives it.
    """
    now = dt.datetime.now(dt.UTC)
    release: dict[str, Any] = {"sequence": _check_sequence(
        int(now.timestamp() * 1000) if sequence is None else sequence)}
    if image is not None:
        release["image"] = _check_image(image)
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "created_at": now.isoformat(timespec="seconds"),
        "release": release,
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
        "keys": _check_keys(keys),
    }
    if sbom is not None:
        body["sbom"] = _check_sbom(sbom)
    return body


def sign_manifest(manifest: Mapping[str, Any], signer: Signer) -> SignedManifest:
    """Sign the canonical JSON of `manifest` with `signer` (Vault Transit in production), with
    the key version the manifest's `keys.signing` names."""
    frozen = copy.deepcopy(dict(manifest))  # later edits by the caller must not alter what was signed
    signing = _field(frozen, "keys", "signing")
    if not isinstance(signing, dict) or signing.get("name") != signer.key_name:
        raise InputError(f"the manifest's keys.signing must name the signing key {signer.key_name!r}")
    signature = signer.sign(canonical_json(frozen), key_version=signing.get("version"))
    if _signature_bytes(signature) is None or _signature_version(signature) != signing.get("version"):
        raise IntegrityError(f"signing key {signer.key_name!r} returned a malformed signature")
    return SignedManifest(manifest=frozen, signature=signature, key=signer.key_name)


def verify_manifest(
    signed: SignedManifest,
    signer: Signer,
    *,
    model_file: Path | None = None,
    bento_dir: Path | None = None,
    sbom_file: Path | None = None,
) -> None:
    """Raise `IntegrityError` unless the signature verifies with `signer`'s key, by the key
    version the body records, the body is of this schema with well-formed release and (when
    present) sbom sections, and the given model file, bento directory and SBOM file have the
    digests the manifest names. The SBOM checked is `sbom_file`, else the one in `bento_dir`
    when the manifest records one (a bento that lost it fails)."""
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
    signing = {"name": signed.key, "version": _signature_version(signed.signature)}
    if _field(manifest, "keys", "signing") != signing:
        raise IntegrityError("the signing key version recorded in the manifest is not the one that signed it")
    release_info(signed)
    sbom = sbom_info(signed)
    if sbom_file is None and bento_dir is not None and sbom is not None:
        sbom_file = bento_sbom(Path(bento_dir))
    if sbom_file is not None:
        _verify_sbom_file(Path(sbom_file), sbom)
    if model_file is not None and file_sha256(Path(model_file)) != _field(manifest, "model", "digest"):
        raise IntegrityError("model file digest does not match the signed manifest",
                             hint=f"file: {Path(model_file).name}")
    if bento_dir is not None and bento_digest(Path(bento_dir)) != _field(manifest, "bento", "digest"):
        raise IntegrityError("bento digest does not match the signed manifest",
                             hint=f"bento: {Path(bento_dir).name}")


def release_info(signed: SignedManifest) -> ReleaseInfo:
    """The `release` section of a manifest `verify_manifest` has accepted; `IntegrityError` when
    it is malformed (a signature does not make a field well formed)."""
    release = signed.manifest.get("release")
    sequence = release.get("sequence") if isinstance(release, dict) else None
    image = release.get("image") if isinstance(release, dict) else None
    if (not isinstance(release, dict) or set(release) - {"sequence", "image"}
            or isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1
            or not (image is None or (isinstance(image, str) and _PINNED_IMAGE.fullmatch(image)))):
        raise IntegrityError("the signed manifest's release section is malformed",
                             hint="expected a positive sequence and, optionally, an image by digest")
    return ReleaseInfo(sequence, image)


def sbom_info(signed: SignedManifest) -> Sbom | None:
    """The `sbom` section of a manifest `verify_manifest` has accepted, None for one signed before
    SBOMs were recorded; `IntegrityError` when it is malformed."""
    sbom = signed.manifest.get("sbom")
    if sbom is None and "sbom" not in signed.manifest:
        return None
    if (not isinstance(sbom, dict) or set(sbom) != _SBOM_KEYS or sbom.get("format") != SBOM_FORMAT
            or not isinstance(sbom.get("spec_version"), str) or not sbom["spec_version"]
            or not isinstance(sbom.get("digest"), str) or not _SHA256.fullmatch(sbom["digest"])):
        raise IntegrityError("the signed manifest's sbom section is malformed",
                             hint=f"expected the {SBOM_FORMAT} format, a spec version and a sha256 digest")
    return Sbom(format=sbom["format"], spec_version=sbom["spec_version"], digest=sbom["digest"])


def recorded_key(signed: SignedManifest, role: str) -> tuple[str, int] | None:
    """The name and version of the `role` key a manifest `verify_manifest` has accepted records;
    None when it records none (a dataset without pseudonyms or tokens, or a release signed before
    the role existed); `IntegrityError` when the entry is malformed."""
    keys = signed.manifest.get("keys")
    if not isinstance(keys, dict) or role not in keys:
        return None
    entry = keys[role]
    name = entry.get("name") if isinstance(entry, dict) else None
    version = entry.get("version") if isinstance(entry, dict) else None
    if (not isinstance(entry, dict) or set(entry) != {"name", "version"} or not isinstance(name, str) or not name
            or isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise IntegrityError(f"the signed manifest's keys.{role} entry is malformed",
                             hint="expected a key name and a positive version")
    return name, version


def write_signed_manifest(signed: SignedManifest, path: Path) -> Path:
    return write_atomically(Path(path), _serialize(signed.to_dict()))


def load_signed_manifest(path: Path) -> SignedManifest:
    """Read an envelope written by `write_signed_manifest`. Its shape and form are checked here,
    its signature only by `verify_manifest`: nothing read here is trusted yet."""
    path = Path(path)
    raw = read_file(path, "signed manifest")
    try:
        text = raw.decode("utf-8")
        envelope = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey:
        raise IntegrityError(f"signed manifest {path.name} has a duplicate key",
                             hint="JSON parsers disagree on which of two equal keys counts") from None
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError is a ValueError
        raise IntegrityError(f"signed manifest {path.name} is not valid JSON") from None
    if (not isinstance(envelope, dict) or set(envelope) != _ENVELOPE_KEYS
            or not isinstance(envelope["manifest"], dict)
            or not all(isinstance(envelope[k], str) for k in ("signature", "key", "algorithm"))):
        raise IntegrityError(f"signed manifest {path.name} is malformed",
                             hint=f"expected exactly the fields {', '.join(sorted(_ENVELOPE_KEYS))}")
    try:
        canonical = _serialize(envelope) == text
    except ValueError:  # a number too large for a float parsed as infinity
        canonical = False
    if not canonical:
        raise IntegrityError(
            f"signed manifest {path.name} does not match the canonical form it is written in",
            hint="changed spacing, key order, escapes or number format: rewritten after signing",
        )
    return SignedManifest(manifest=envelope["manifest"], signature=envelope["signature"],
                          key=envelope["key"], algorithm=envelope["algorithm"])


def _serialize(envelope: Mapping[str, Any]) -> str:
    """The one form a signed manifest is written in, and the only one read back."""
    return json.dumps(envelope, indent=2, sort_keys=True, allow_nan=False) + "\n"


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _DuplicateKey
    return dict(pairs)


def _refuse_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, which JSON does not define and canonical_json refuses.
    raise ValueError(f"{name} is not JSON")


def _check_keys(keys: Mapping[str, tuple[str, int]]) -> dict[str, dict[str, Any]]:
    unknown = sorted(set(keys) - set(KEY_ROLES))
    if unknown:
        raise InputError(f"keys[{unknown[0]}] is not a key role (roles: {', '.join(KEY_ROLES)})")
    missing = sorted(REQUIRED_KEY_ROLES - set(keys))
    if missing:
        raise InputError(f"keys needs the {missing[0]} key's name and version")
    clean = {}
    for role in KEY_ROLES:
        if role not in keys:
            continue
        name, version = keys[role]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise InputError(f"keys[{role}] version must be a positive integer")
        clean[role] = {"name": check_text(f"keys[{role}] name", name), "version": version}
    return clean


def _check_sbom(sbom: Sbom) -> dict[str, str]:
    if not isinstance(sbom, Sbom) or sbom.format != SBOM_FORMAT:
        raise InputError(f"sbom must describe a {SBOM_FORMAT} document (describe_sbom)")
    return {"format": sbom.format, "spec_version": check_text("sbom spec_version", sbom.spec_version),
            "digest": normalize_digest("sbom digest", sbom.digest)}


def _verify_sbom_file(path: Path, sbom: Sbom | None) -> None:
    if sbom is None:
        raise IntegrityError("the signed manifest records no SBOM", hint=f"file: {path.name}")
    if not path.is_file():
        raise IntegrityError("the SBOM the signed manifest names is missing", hint=f"file: {path.name}")
    if file_sha256(path) != sbom.digest:
        raise IntegrityError("SBOM digest does not match the signed manifest", hint=f"file: {path.name}")


def _check_sequence(sequence: int) -> int:
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise InputError("sequence must be a positive integer")
    return sequence


def _check_image(image: str) -> str:
    if not isinstance(image, str) or not _PINNED_IMAGE.fullmatch(image):
        raise InputError("image must be pinned by digest (registry/name@sha256:<64 hex>)",
                         hint="leave it out when the image is built from the bento later")
    return check_text("image", image)


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
        raw = base64.b64decode(match.group(2), validate=True)
    except binascii.Error:
        return None
    return raw if len(raw) == ED25519_SIGNATURE_BYTES else None


def _signature_version(signature: str) -> int | None:
    """The key version of a ``vault:vN:...`` signature."""
    match = _VAULT_SIGNATURE.fullmatch(signature)
    return int(match.group(1)) if match else None
