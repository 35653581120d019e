"""The publish-dataset step: the accepted shards merged, validated whole, and encrypted as one
dataset under a fresh data key, with its profile as the next run's drift reference."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from secure_mlops.config import Settings
from secure_mlops.digest import file_sha256, table_sha256
from secure_mlops.errors import ValidationFailed
from secure_mlops.privacy import load_contract
from secure_mlops.steps.data import EncryptedDataset
from secure_mlops.steps.encrypted_tables import read_encrypted_table, write_encrypted_table
from secure_mlops.steps.validate import load_profile
from secure_mlops.storage import write_atomically
from secure_mlops.vault import data_key_service


def publish_dataset(
    shards: list[tuple[Path, str, int | None]],
    contract_path: Path,
    output: Path,
    profile_output: Path,
    *,
    context: str,
    reference_profile_uri: str | None,
    psi_threshold: float,
    token_key_versions: list[int | None] | None = None,
    settings: Settings,
) -> EncryptedDataset:
    """Merge accepted shards (decrypted in memory) into one encrypted dataset and record its profile.

    Each shard is (ciphertext, context, the pseudonym key version it was pseudonymized under or
    None). Shards pseudonymized under different versions are refused: their pseudonyms of one
    person differ, so the merged dataset would silently hold that person twice.
    `token_key_versions` are the token key versions of the shards' tokens, in the order of
    `shards` (None: a shard without tokens); mixed versions are refused for the same reason.
    The merged dataset is validated once more against the reference, whole: this is where its
    row count is compared, and where drift too small to show in one shard adds up.
    """
    from secure_mlops.validation import raise_for_failures, validate_dataset

    pseudonym_version = _one_key_version(
        [version for _, _, version in shards], made="pseudonymized", role="pseudonym", key=settings.pseudonym_key_name,
        twice="one person would have two pseudonyms in the dataset",
        hint=", with SECURE_MLOPS_PSEUDONYM_KEY_VERSION set to pin one version (a move to the new one is a "
             "deliberate re-pseudonymization)")
    token_version = _one_key_version(
        token_key_versions or [], made="tokenized", role="token", key=settings.token_key_name,
        twice="one value would have two tokens in the dataset",
        hint=" (a move to the new version is a deliberate re-tokenization)")
    contract = load_contract(contract_path)
    keys = data_key_service(settings)
    table = pa.concat_tables([read_encrypted_table(path, shard_context, keys) for path, shard_context, _ in shards])
    header = write_encrypted_table(table, output, context, keys, settings.chunk_size)
    try:
        result = validate_dataset(
            table, contract, reference=load_profile(reference_profile_uri, settings), psi_threshold=psi_threshold
        )
        raise_for_failures(result)
    except BaseException:
        output.unlink(missing_ok=True)  # a rejected dataset must not be left as an artifact
        raise
    write_atomically(profile_output, result.profile.model_dump_json(indent=2))
    return EncryptedDataset(output, context, table.num_rows, header.key_version, file_sha256(output),
                            pseudonym_version, table_sha256(table), token_version)


def _one_key_version(versions: list[int | None], *, made: str, role: str, key: str, twice: str,
                     hint: str) -> int | None:
    """The one key version all shards were made under (None: no shard used the key)."""
    found = sorted({v for v in versions if v is not None})
    if len(found) > 1:
        raise ValidationFailed(
            f"the shards were {made} under versions {' and '.join(map(str, found))} of the {role} key '{key}': {twice}",
            hint=f"the key was rotated during the run; re-run it{hint}",
        )
    return found[0] if found else None
