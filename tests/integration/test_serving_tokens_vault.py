"""Tokenized identifiers at the inference service, against a real OpenBao: with the inference
policy alone, the service answers an identifier with exactly the token the pipeline's
minimization wrote for it, under the key version the training data was tokenized with even after
a rotation; the re-identifier reads such a token back; the inference policy never can."""

from __future__ import annotations

import uuid

import hvac
import pyarrow.parquet as pq
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import VaultError
from secure_mlops.privacy import parse_contract
from secure_mlops.privacy.minimize import minimize_file
from secure_mlops.privacy.tokenize import detokenize, is_token
from secure_mlops.serving.predictor import IdentifierTokenizer
from secure_mlops.serving.schema import TokenizedIdentifier
from secure_mlops.vault import TransitHmacService
from secure_mlops.vault.tokens import TransitTokenService
from tests.support.policies import policy_client

pytestmark = pytest.mark.integration

CONTRACT = """
name: members
version: "1"
k_anonymity: {k: 1}
columns:
  - {name: member_ref, type: string, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: member_no, type: integer, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: visits, type: integer, classification: feature, action: keep}
"""
ROWS = [("M-001", 1042, 3), ("M-002", 77, 5), ("M-001", 1042, 7)]
REF = TokenizedIdentifier("member_ref", integer=False)
NUMBER = TokenizedIdentifier("member_no", integer=True)


@pytest.fixture(scope="module")
def minimized(vault_root: hvac.Client, vault_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The rows minimized as the pipeline does, with a pipeline-policy token: (table, token version)."""
    folder = tmp_path_factory.mktemp("serving-tokens")
    raw = folder / "raw.csv"
    raw.write_text("member_ref,member_no,visits\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS), encoding="utf-8")
    pipeline = policy_client(vault_root, "secure-mlops-pipeline")
    tokens = TransitTokenService(pipeline, key_name=vault_settings.token_key_name)
    minimize_file(parse_contract(CONTRACT), raw, folder / "min.parquet",
                  TransitHmacService(pipeline, key_name=vault_settings.pseudonym_key_name),
                  make_token_service=lambda: tokens)
    return pq.read_table(folder / "min.parquet"), tokens.key_version


@pytest.fixture(scope="module")
def inference(vault_root: hvac.Client) -> hvac.Client:
    return policy_client(vault_root, "secure-mlops-inference")


@pytest.mark.control("coarse-answers")
def test_the_service_answers_with_the_token_the_pipeline_wrote(minimized, inference, vault_settings: Settings):
    table, version = minimized
    service = IdentifierTokenizer(
        lambda: TransitTokenService(inference, key_name=vault_settings.token_key_name, key_version=version),
        contract_name="members")

    refs = service.tokens(REF, ["M-001", " M-002 "])
    numbers = service.tokens(NUMBER, ["1042", "+077"])

    assert refs == table.column("member_ref").to_pylist()[:2]
    assert numbers == table.column("member_no").to_pylist()[:2]
    assert all(is_token(t) and t.startswith(f"tok1_v{version}_") for t in refs + numbers)


@pytest.mark.control("least-privilege-vault")
def test_a_token_from_the_service_detokenizes_for_the_reidentifier_only(
        minimized, inference, vault_root: hvac.Client, vault_settings: Settings):
    _, version = minimized
    service = IdentifierTokenizer(
        lambda: TransitTokenService(inference, key_name=vault_settings.token_key_name, key_version=version),
        contract_name="members")
    token = service.tokens(NUMBER, ["1042"])
    reidentifier = policy_client(vault_root, "secure-mlops-reidentifier")

    assert detokenize(token, TransitTokenService(reidentifier, key_name=vault_settings.token_key_name),
                      contract_name="members", column="member_no") == ["1042"]
    with pytest.raises(VaultError, match="permission denied"):
        detokenize(token, TransitTokenService(inference, key_name=vault_settings.token_key_name),
                   contract_name="members", column="member_no")


@pytest.mark.control("least-privilege-vault")
def test_the_inference_policy_encrypts_with_the_token_key_only(inference, vault_settings: Settings):
    for key in (vault_settings.data_key_name, vault_settings.pseudonym_key_name):
        with pytest.raises(VaultError, match="permission denied"):
            TransitTokenService(inference, key_name=key).encrypt_many([b"M-001"], b"context")


@pytest.fixture()
def rotated_key(vault_root: hvac.Client, vault_settings: Settings) -> str:
    """A token key of its own (derived, convergent, as the real one), so rotating it leaves the
    shared server's keys alone."""
    name = f"token-pin-{uuid.uuid4().hex[:8]}"
    vault_root.adapter.post(f"/v1/{vault_settings.transit_mount}/keys/{name}",
                            json={"type": "aes256-gcm96", "derived": True, "convergent_encryption": True})
    return name


@pytest.mark.control("key-lifecycle")
def test_the_service_keeps_the_training_datas_key_version_after_a_rotation(
        vault_root: hvac.Client, vault_settings: Settings, rotated_key: str):
    def service(version: int | None) -> IdentifierTokenizer:
        return IdentifierTokenizer(lambda: TransitTokenService(vault_root, key_name=rotated_key, key_version=version),
                                   contract_name="members")

    pipeline = TransitTokenService(vault_root, key_name=rotated_key)
    trained = IdentifierTokenizer(lambda: pipeline, contract_name="members").tokens(REF, ["M-001"])
    assert pipeline.key_version == 1
    vault_root.secrets.transit.rotate_key(rotated_key, mount_point=vault_settings.transit_mount)

    pinned = service(1).tokens(REF, ["M-001"])
    latest = service(None).tokens(REF, ["M-001"])

    assert pinned == trained
    assert latest != trained and latest[0].startswith("tok1_v2_")


@pytest.mark.control("key-lifecycle")
def test_a_retired_pinned_version_is_refused_with_a_clear_message(
        vault_root: hvac.Client, vault_settings: Settings, rotated_key: str):
    mount = vault_settings.transit_mount
    vault_root.secrets.transit.rotate_key(rotated_key, mount_point=mount)
    vault_root.adapter.post(f"/v1/{mount}/keys/{rotated_key}/config", json={"min_encryption_version": 2})

    with pytest.raises(VaultError, match=r"version 1 of Transit key .* no longer makes tokens") as refused:
        TransitTokenService(vault_root, key_name=rotated_key, key_version=1).encrypt_many([b"M-001"], b"ctx")

    assert "M-001" not in str(refused.value) and "keys.token" in (refused.value.hint or "")


def test_the_minimized_data_of_one_run_is_made_under_one_recorded_version(minimized, vault_root, vault_settings):
    table, version = minimized
    latest = vault_root.secrets.transit.read_key(vault_settings.token_key_name,
                                                 mount_point=vault_settings.transit_mount)["data"]["latest_version"]

    assert version == latest
    assert {t.split("_")[1] for c in ("member_ref", "member_no") for t in table.column(c).to_pylist()} == {f"v{version}"}


def test_more_values_than_one_request_holds_tokenize_under_one_version_and_round_trip(
        vault_root: hvac.Client, vault_settings: Settings):
    # OpenBao refuses a request of more than 1000 JSON strings: the service splits the values.
    values = [f"M-{i:05d}".encode() for i in range(450)]
    pipeline = TransitTokenService(policy_client(vault_root, "secure-mlops-pipeline"), key_name=vault_settings.token_key_name)
    reidentifier = TransitTokenService(policy_client(vault_root, "secure-mlops-reidentifier"),
                                       key_name=vault_settings.token_key_name)

    ciphertexts = pipeline.encrypt_many(values, b"members/member_ref")

    assert {c.split(":")[1] for c in ciphertexts} == {f"v{pipeline.key_version}"}
    assert reidentifier.decrypt_many(ciphertexts, b"members/member_ref") == values
