"""The token key in the signed manifest: an optional `keys.token` role (schema v2 unchanged),
recorded when the dataset has reversible tokens and read back by the inference service."""

from __future__ import annotations

import pytest

from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import build_manifest, sign_manifest, verify_manifest
from secure_mlops.packaging.manifest import SCHEMA, SignedManifest, recorded_key
from tests.support.release import manifest_fields

TOKEN_KEY = ("secure-mlops-token", 3)


def _fields(**keys: tuple[str, int]) -> dict:
    fields = manifest_fields(model_digest="a" * 64, bento_dir_digest="b" * 64)
    fields["keys"] = {**fields["keys"], **keys}
    return fields


@pytest.mark.control("signed-provenance")
def test_a_dataset_with_tokens_records_the_token_key_and_the_manifest_verifies(signer):
    signed = sign_manifest(build_manifest(**_fields(token=TOKEN_KEY)), signer)

    verify_manifest(signed, signer)

    assert signed.manifest["schema"] == SCHEMA
    assert signed.manifest["keys"]["token"] == {"name": "secure-mlops-token", "version": 3}
    assert recorded_key(signed, "token") == TOKEN_KEY
    assert recorded_key(signed, "pseudonym") == ("secure-mlops-pseudonym", 1)


@pytest.mark.control("signed-provenance")
def test_a_manifest_without_a_token_key_still_verifies_and_records_none(signer):
    signed = sign_manifest(build_manifest(**_fields()), signer)

    verify_manifest(signed, signer)

    assert "token" not in signed.manifest["keys"] and recorded_key(signed, "token") is None


@pytest.mark.parametrize("version", [0, -1, True, "3"])
@pytest.mark.control("signed-provenance")
def test_a_token_key_version_must_be_a_positive_integer(version):
    with pytest.raises(InputError, match=r"keys\[token\] version"):
        build_manifest(**_fields(token=("secure-mlops-token", version)))


@pytest.mark.parametrize("entry", [
    {"name": "secure-mlops-token"},
    {"name": "secure-mlops-token", "version": 0},
    {"name": "secure-mlops-token", "version": 2.0},
    {"name": "", "version": 2},
    {"name": "secure-mlops-token", "version": 2, "extra": 1},
    "secure-mlops-token:2",
], ids=["no-version", "zero", "float", "no-name", "extra-field", "not-an-object"])
@pytest.mark.control("signed-provenance")
def test_a_malformed_recorded_key_is_an_integrity_error(manifest, entry):
    body = {**manifest, "keys": {**manifest["keys"], "token": entry}}

    with pytest.raises(IntegrityError, match=r"keys\.token"):
        recorded_key(SignedManifest(manifest=body, signature="vault:v1:AA==", key="secure-mlops-signing"), "token")
