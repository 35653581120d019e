"""Each Vault policy of policies/vault on a real OpenBao: a token holding it can do exactly the
operations its examples (<policy>.cases.yaml) allow, and the key lifecycle the operator guide
describes (rotate, rewrap, retire, trim) works with the operator and key-shredder policies."""

from __future__ import annotations

from collections.abc import Iterator

import hvac
import hvac.exceptions
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import VaultError
from secure_mlops.vault import TransitHmacService, TransitKeyService, TransitSigner, ensure_transit_keys
from tests.support.policies import VAULT_POLICY_NAMES, case_matrix, load_vault_cases, policy_client, vault_case_id
from tests.support.servers import own_dev_vault

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def capabilities(vault_root: hvac.Client, vault_settings: Settings) -> dict[str, dict[str, list[str]]]:
    """policy -> path -> the capabilities OpenBao grants a token of that policy (one request each)."""
    found = {}
    for name in VAULT_POLICY_NAMES:
        cases = load_vault_cases(name)
        paths = sorted({case["path"] for key in ("allowed", "denied") for case in cases[key]})
        answer = policy_client(vault_root, name).adapter.post("/v1/sys/capabilities-self", json={"paths": paths})
        found[name] = {path: answer["data"][path] for path in paths}
    return found


@pytest.mark.parametrize(("name", "case", "expected"), case_matrix(VAULT_POLICY_NAMES, load_vault_cases, vault_case_id))
@pytest.mark.control("least-privilege-vault")
def test_openbao_grants_exactly_the_examples(
    capabilities: dict[str, dict[str, list[str]]], name: str, case: dict[str, str], expected: bool
) -> None:
    assert (case["capability"] in capabilities[name][case["path"]]) is expected


@pytest.mark.control("signed-provenance")
def test_inference_can_verify_and_pseudonymize_but_not_decrypt_sign_or_hmac_with_other_keys(
    vault_root: hvac.Client, vault_settings: Settings
) -> None:
    message = b"provenance manifest"
    pipeline = policy_client(vault_root, "secure-mlops-pipeline")
    signature = TransitSigner(pipeline, key_name=vault_settings.signing_key_name).sign(message)
    inference = policy_client(vault_root, "secure-mlops-inference")
    assert TransitSigner(inference, key_name=vault_settings.signing_key_name).verify(message, signature)
    ids = [b"record-1", b"record-2"]
    assert TransitHmacService(inference, key_name=vault_settings.pseudonym_key_name).hmac_many(ids) == \
        TransitHmacService(pipeline, key_name=vault_settings.pseudonym_key_name).hmac_many(ids)
    _, wrapped = TransitKeyService(vault_root, key_name=vault_settings.data_key_name).generate_data_key()
    with pytest.raises(VaultError, match="permission denied"):
        TransitKeyService(inference, key_name=vault_settings.data_key_name).unwrap_data_key(wrapped)
    for key in (vault_settings.data_key_name, vault_settings.signing_key_name):
        with pytest.raises(VaultError, match="permission denied"):
            TransitHmacService(inference, key_name=key).hmac_many(ids)
    with pytest.raises(VaultError, match="permission denied"):
        TransitSigner(inference, key_name=vault_settings.signing_key_name).sign(message)


def test_auditor_reads_key_metadata_without_key_material(vault_root: hvac.Client, vault_settings: Settings) -> None:
    auditor = policy_client(vault_root, "secure-mlops-auditor")
    data = auditor.secrets.transit.read_key(vault_settings.data_key_name)["data"]
    assert data["exportable"] is False and data["min_decryption_version"] >= 1
    # For a symmetric key each version maps to its creation time, nothing more.
    assert all(isinstance(created, int) for created in data["keys"].values())
    with pytest.raises(hvac.exceptions.Forbidden):
        auditor.secrets.transit.rotate_key(vault_settings.data_key_name)


# --- Key lifecycle, as infra/terraform/README.md describes it ---------------------------------
# On a Vault of its own: rotating or trimming keys on the shared server would change what other
# tests see (the key versions they expect).


@pytest.fixture(scope="module")
def own_vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[hvac.Client, Settings]]:
    with own_dev_vault(tmp_path_factory.mktemp("vault-lifecycle"), tmp_path_factory.mktemp("state")) as (root, settings):
        ensure_transit_keys(root, settings)
        yield root, settings


@pytest.mark.control("key-lifecycle")
def test_operator_rotates_keys_but_cannot_make_them_exportable_or_deletable(
    own_vault: tuple[hvac.Client, Settings]
) -> None:
    root, settings = own_vault
    operator = policy_client(root, "secure-mlops-operator")
    key = settings.signing_key_name
    before = root.secrets.transit.read_key(key)["data"]["latest_version"]
    operator.secrets.transit.rotate_key(key)
    operator.secrets.transit.update_key_configuration(key, auto_rotate_period="2160h")
    assert root.secrets.transit.read_key(key)["data"]["latest_version"] == before + 1
    for irreversible in ({"exportable": True}, {"allow_plaintext_backup": True}, {"deletion_allowed": True}):
        with pytest.raises(hvac.exceptions.Forbidden):
            operator.secrets.transit.update_key_configuration(key, **irreversible)
    data = root.secrets.transit.read_key(key)["data"]
    assert not (data["exportable"] or data["allow_plaintext_backup"] or data["deletion_allowed"])


@pytest.mark.control("key-lifecycle")
def test_crypto_shredding_destroys_exactly_the_retired_key_versions(
    own_vault: tuple[hvac.Client, Settings]
) -> None:
    root, settings = own_vault  # a fresh server: the data key is at version 1
    key = settings.data_key_name
    pipeline = TransitKeyService(policy_client(root, "secure-mlops-pipeline"), key_name=key)
    operator = policy_client(root, "secure-mlops-operator")
    shredder = policy_client(root, "secure-mlops-key-shredder")

    shredded_key, shredded = pipeline.generate_data_key()  # the dataset to shred, under v1
    _, survivor = pipeline.generate_data_key()  # another object under v1 that must survive
    operator.secrets.transit.rotate_key(key)
    survivor = pipeline.rewrap_data_key(survivor)  # `secure-mlops rewrap`: now under v2
    assert survivor.version == 2

    # Retire v1: min_version in Terraform sets both minimums (hvac refuses equal values, so
    # post the configuration as Terraform's provider does). Reversible until trimmed.
    retire = {"min_decryption_version": 2, "min_encryption_version": 2}
    operator.adapter.post(f"/v1/transit/keys/{key}/config", json=retire)
    with pytest.raises(VaultError, match="min_decryption_version"):
        pipeline.unwrap_data_key(shredded)

    # Trim: v1 is deleted from the key ring. Only the key shredder may do this.
    with pytest.raises(hvac.exceptions.Forbidden):
        operator.secrets.transit.trim_key(key, min_version=2)
    shredder.secrets.transit.trim_key(key, min_version=2)

    assert list(root.secrets.transit.read_key(key)["data"]["keys"]) == ["2"]
    with pytest.raises(hvac.exceptions.InvalidRequest, match="min available version"):
        operator.adapter.post(f"/v1/transit/keys/{key}/config", json={"min_decryption_version": 1})
    with pytest.raises(VaultError):
        pipeline.unwrap_data_key(shredded)
    assert len(pipeline.unwrap_data_key(survivor).material) == len(shredded_key.material)
    # New objects still use the newest version.
    _, fresh = pipeline.generate_data_key()
    assert fresh.version == 2
