"""The signed provenance manifest: canonical form, signing, and every way verification fails."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import math
import time

import pytest

from secure_mlops.digest import canonical_json
from secure_mlops.errors import InputError, IntegrityError, VaultError
from secure_mlops.packaging import (
    build_manifest,
    load_signed_manifest,
    sign_manifest,
    verify_manifest,
    write_signed_manifest,
)
from tests.support.fakes import InMemorySigner
from tests.support.release import manifest_fields


def _leaf_paths(value, prefix=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaf_paths(child, (*prefix, key))
    else:
        yield prefix


def _reversed(value):
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reversed(value[key]) for key in reversed(value)}
    return value


def _tampered(manifest, path):
    """A copy with the leaf at `path` changed a little: a number by one, a string's last char."""
    changed = copy.deepcopy(manifest)
    parent = changed
    for key in path[:-1]:
        parent = parent[key]
    old = parent[path[-1]]
    if isinstance(old, (int, float)):
        parent[path[-1]] = old + 1
    else:
        parent[path[-1]] = old[:-1] + ("1" if old.endswith("0") else "0")
    return changed


def test_canonical_json_is_sorted_compact_and_independent_of_key_order():
    a = {"b": 1, "a": {"y": [1, 2], "x": "é"}}
    b = {"a": {"x": "é", "y": [1, 2]}, "b": 1}

    assert canonical_json(a) == canonical_json(b) == b'{"a":{"x":"\\u00e9","y":[1,2]},"b":1}'


def test_canonical_json_refuses_nan():
    with pytest.raises(InputError):
        canonical_json({"accuracy": math.nan})


def test_build_manifest_records_digests_versions_ids_and_metrics(manifest):
    assert manifest["schema"] == "secure-mlops/provenance/v2"
    assert manifest["data"]["contract"] == {"name": "patients", "version": "1.0.0",
                                            "digest": "sha256:" + "2" * 64}  # bare hex normalized
    assert manifest["model"]["format"] == "skops"
    assert set(manifest) == {"schema", "created_at", "release", "run", "data", "model", "bento", "keys"}


def test_build_manifest_records_every_key_by_role_name_and_version(manifest):
    assert manifest["keys"] == {"data": {"name": "secure-mlops-data", "version": 2},
                                "pseudonym": {"name": "secure-mlops-pseudonym", "version": 1},
                                "signing": {"name": "secure-mlops-signing", "version": 1}}


def test_a_dataset_without_pseudonyms_records_no_pseudonym_key():
    fields = manifest_fields(model_digest="a" * 64, bento_dir_digest="b" * 64)
    del fields["keys"]["pseudonym"]

    assert set(build_manifest(**fields)["keys"]) == {"data", "signing"}


def test_build_manifest_records_a_release_sequence_that_grows_and_the_image_when_pinned():
    fields = manifest_fields(model_digest="a" * 64, bento_dir_digest="b" * 64)
    first = build_manifest(**fields)
    time.sleep(0.002)
    image = "registry.example/ml/inference@sha256:" + "c" * 64
    second = build_manifest(**fields, image=image)

    assert first["release"]["sequence"] < second["release"]["sequence"]
    assert "image" not in first["release"]  # unknown when signed: built from this bento later
    assert second["release"]["image"] == image
    assert build_manifest(**fields, sequence=7)["release"] == {"sequence": 7}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("data_digest", "md5:abc"),
        ("model_digest", "sha256:" + "A" * 64),
        ("metrics", {"accuracy": float("inf")}),
        ("metrics", {"accuracy": True}),
        ("privacy", {"epsilon": "1.0"}),
        ("keys", {"data": ("secure-mlops-data", 0), "signing": ("secure-mlops-signing", 1)}),
        ("keys", {"data": ("secure-mlops-data", True), "signing": ("secure-mlops-signing", 1)}),
        ("keys", {"data": ("secure-mlops-data", 2)}),  # no signing key
        ("keys", {"signing": ("secure-mlops-signing", 1)}),  # no data key
        ("keys", {"data": ("secure-mlops-data", 2), "signing": ("secure-mlops-signing", 1),
                  "backup": ("other", 1)}),
        ("image", "registry.example/ml/inference:1.0.0"),  # a tag can be moved: only a digest
        ("image", "registry.example/ml/inference@sha256:abc"),
        ("sequence", 0),
        ("sequence", True),
        ("run_id", ""),
        ("run_id", "run\n1"),
    ],
)
def test_build_manifest_refuses_a_malformed_field(model_file, bento_dir, field, value):
    fields = manifest_fields(model_digest="a" * 64, bento_dir_digest="b" * 64)
    fields[field] = value

    with pytest.raises(InputError):
        build_manifest(**fields)


@pytest.mark.parametrize("value", ["alice@example.org", "hvs.CAESIJ2kd8s7s6s5s4s3s2s1s0sZ"])
def test_build_manifest_refuses_personal_data_or_tokens_without_echoing_them(value):
    fields = manifest_fields(model_digest="a" * 64, bento_dir_digest="b" * 64)
    fields["triggered_by"] = value

    with pytest.raises(InputError, match="triggered_by") as caught:
        build_manifest(**fields)
    assert value not in str(caught.value)


def test_sign_then_verify_passes_with_files_at_hand(manifest, signer, model_file, bento_dir):
    signed = sign_manifest(manifest, signer)

    assert signed.signature.startswith("vault:v1:")
    assert (signed.key, signed.algorithm) == (signer.key_name, "ed25519")
    verify_manifest(signed, signer, model_file=model_file, bento_dir=bento_dir)


def test_signed_manifest_is_a_copy_later_edits_do_not_change_it(manifest, signer):
    signed = sign_manifest(manifest, signer)
    manifest["model"]["metrics"]["accuracy"] = 1.0

    verify_manifest(signed, signer)


@pytest.mark.control("signed-provenance")
def test_tampering_with_any_manifest_field_fails_verification(manifest, signer):
    signed = sign_manifest(manifest, signer)
    paths = list(_leaf_paths(manifest))
    assert len(paths) >= 15

    for path in paths:
        forged = dataclasses.replace(signed, manifest=_tampered(signed.manifest, path))
        with pytest.raises(IntegrityError, match="manifest signature does not verify"):
            verify_manifest(forged, signer)


def test_added_field_fails_verification(manifest, signer):
    signed = sign_manifest(manifest, signer)
    forged = dataclasses.replace(signed, manifest={**signed.manifest, "approved": True})

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(forged, signer)


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "vault:v1:AAAA"},          # wrong length for ed25519
        {"signature": "not a vault signature"},
        {"key": "another-key"},
        {"algorithm": "rsa-2048"},
    ],
)
def test_malformed_or_foreign_envelope_fails_verification(manifest, signer, change):
    forged = dataclasses.replace(sign_manifest(manifest, signer), **change)

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(forged, signer)


def test_flipped_signature_byte_fails_verification(manifest, signer):
    signed = sign_manifest(manifest, signer)
    prefix, encoded = signed.signature.rsplit(":", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[0] ^= 0x01
    forged = dataclasses.replace(signed, signature=f"{prefix}:{base64.b64encode(bytes(raw)).decode()}")

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(forged, signer)


def test_signature_by_another_key_with_the_same_name_fails(manifest, signer):
    impostor = InMemorySigner(signer.key_name)

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(sign_manifest(manifest, impostor), signer)


def test_signature_by_an_older_key_version_still_verifies_after_rotation(manifest, signer):
    signed = sign_manifest(manifest, signer)
    signer.rotate()

    verify_manifest(signed, signer)
    newer = {**manifest, "keys": {**manifest["keys"], "signing": {"name": signer.key_name, "version": 2}}}
    assert sign_manifest(newer, signer).signature.startswith("vault:v2:")


def test_sign_manifest_signs_with_the_key_version_the_body_names(manifest, signer):
    signer.rotate()  # the latest version is 2; the body names version 1

    signed = sign_manifest(manifest, signer)

    assert signed.signature.startswith("vault:v1:")
    verify_manifest(signed, signer)


def test_sign_manifest_refuses_a_body_naming_another_signing_key(manifest):
    with pytest.raises(InputError, match=r"keys\.signing"):
        sign_manifest(manifest, InMemorySigner("another-signing-key"))


def test_a_signature_by_another_key_version_than_the_body_names_fails_verification(manifest, signer):
    signer.rotate()
    signature = signer.sign(canonical_json(manifest), key_version=2)  # the body names version 1
    forged = dataclasses.replace(sign_manifest(manifest, signer), signature=signature)

    with pytest.raises(IntegrityError, match="signing key version"):
        verify_manifest(forged, signer)


def test_a_manifest_of_the_previous_schema_fails_verification(manifest, signer):
    old = {**manifest, "schema": "secure-mlops/provenance/v1"}

    with pytest.raises(IntegrityError, match="schema"):
        verify_manifest(sign_manifest(old, signer), signer)


@pytest.mark.parametrize("release", [{}, {"sequence": 0}, {"sequence": "1"}, {"sequence": 1, "image": "x:1"}])
def test_a_signed_body_with_a_malformed_release_section_fails_verification(manifest, signer, release):
    with pytest.raises(IntegrityError, match="release"):
        verify_manifest(sign_manifest({**manifest, "release": release}, signer), signer)


def test_model_file_digest_mismatch_fails(manifest, signer, model_file):
    signed = sign_manifest(manifest, signer)
    model_file.write_bytes(model_file.read_bytes() + b"\x00")

    with pytest.raises(IntegrityError, match="model file digest does not match the signed manifest"):
        verify_manifest(signed, signer, model_file=model_file)


def test_bento_digest_mismatch_fails(manifest, signer, bento_dir):
    signed = sign_manifest(manifest, signer)
    (bento_dir / "src" / "service.py").write_text("import os; os.system('curl evil')\n")

    with pytest.raises(IntegrityError, match="bento digest does not match the signed manifest"):
        verify_manifest(signed, signer, bento_dir=bento_dir)


def test_write_then_load_round_trips(tmp_path, manifest, signer):
    signed = sign_manifest(manifest, signer)
    path = write_signed_manifest(signed, tmp_path / "provenance.json")

    assert set(json.loads(path.read_text())) == {"manifest", "signature", "key", "algorithm"}
    loaded = load_signed_manifest(path)
    assert loaded == signed
    verify_manifest(loaded, signer)


def test_tampered_file_on_disk_fails_verification(tmp_path, manifest, signer):
    path = write_signed_manifest(sign_manifest(manifest, signer), tmp_path / "provenance.json")
    path.write_text(path.read_text().replace('"accuracy": 0.93', '"accuracy": 0.99'))

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(load_signed_manifest(path), signer)


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"manifest": {"x": NaN}, "signature": "x", "key": "k", "algorithm": "a"}',
     b'{"manifest": {}, "signature": "x", "key": "k"}',
     b'{"manifest": [], "signature": "x", "key": "k", "algorithm": "ed25519"}'],
)
def test_loading_a_malformed_envelope_is_an_integrity_error(tmp_path, content):
    path = tmp_path / "provenance.json"
    path.write_bytes(content)

    with pytest.raises(IntegrityError):
        load_signed_manifest(path)


@pytest.mark.parametrize(
    "duplicate",
    [lambda text: text.replace('"key": ', '"key": "other-key",\n  "key": ', 1),
     lambda text: text.replace('"run": {', '"run": {\n      "id": "run-forged",', 1)],
    ids=["envelope", "manifest"],
)
def test_loading_duplicate_keys_is_an_integrity_error(tmp_path, manifest, signer, duplicate):
    """Python's json keeps the last of two equal keys, other parsers the first: refused."""
    path = write_signed_manifest(sign_manifest(manifest, signer), tmp_path / "provenance.json")
    path.write_text(duplicate(path.read_text()))

    with pytest.raises(IntegrityError, match="duplicate key"):
        load_signed_manifest(path)


@pytest.mark.parametrize(
    "rewrite",
    [lambda text: json.dumps(json.loads(text)),                       # compact
     lambda text: json.dumps(json.loads(text), indent=4, sort_keys=True) + "\n",
     lambda text: json.dumps(_reversed(json.loads(text)), indent=2) + "\n",
     lambda text: text.replace('"accuracy": 0.93', '"accuracy": 0.930'),
     lambda text: text.replace('"accuracy": 0.93', '"accuracy": 9.3e-1'),
     lambda text: text.replace('"skops"', '"\\u0073kops"'),
     lambda text: text.rstrip("\n")],
    ids=["compact", "indent", "order", "trailing-zero", "exponent", "escape", "no-final-newline"],
)
def test_loading_a_manifest_not_in_canonical_form_is_an_integrity_error(tmp_path, manifest, signer, rewrite):
    """The same value written another way: the bytes on disk must be the one form the value has,
    so that every reader sees what was signed."""
    path = write_signed_manifest(sign_manifest(manifest, signer), tmp_path / "provenance.json")
    path.write_text(rewrite(path.read_text()))

    with pytest.raises(IntegrityError, match="canonical form"):
        load_signed_manifest(path)


def test_loading_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError):
        load_signed_manifest(tmp_path / "absent.json")


class _UnreachableSigner(InMemorySigner):
    def verify(self, message: bytes, signature: str) -> bool:
        raise VaultError("cannot reach Vault at http://127.0.0.1:1 to verify")


def test_an_unreachable_vault_stays_a_vault_error_not_a_verdict(manifest):
    signer = _UnreachableSigner()
    signed = sign_manifest(manifest, signer)

    with pytest.raises(VaultError, match="cannot reach Vault"):
        verify_manifest(signed, signer)
