"""The minimize-shard step, and reading a step's encrypted dataset back. Plaintext stays in scratch
(memory-backed) or in memory; every file a step leaves behind is ciphertext."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from secure_mlops.config import Settings
from secure_mlops.crypto import encrypt_file
from secure_mlops.digest import file_sha256
from secure_mlops.privacy import MinimizationReport, load_contract, minimize_file
from secure_mlops.steps.encrypted_tables import read_encrypted_table
from secure_mlops.steps.scratch import scratch_dir
from secure_mlops.steps.sources import fetch_shard
from secure_mlops.vault import TransitTokenService, data_key_service, pseudonym_hmac_service, token_service


@dataclass(frozen=True)
class EncryptedDataset:
    """What a step wrote: ciphertext at `path`, and what is needed to read it back."""

    path: Path
    context: str
    rows: int
    key_version: int
    sha256: str
    pseudonym_key_version: int | None = None
    """The pseudonym key version its pseudonyms were made under; None when it holds none."""
    plaintext_sha256: str | None = None
    """The digest of the plaintext table (`digest.table_sha256`), where the step knows it: runs on
    the same data match by it, as their ciphertexts never do."""
    token_key_version: int | None = None
    """The token key version its tokens were made under; None when it holds none."""


def minimize_shard(
    shard_uri: str,
    contract_path: Path,
    output: Path,
    *,
    context: str,
    k: int | None,
    pseudonym_key_version: int | None = None,
    token_key_version: int | None = None,
    settings: Settings,
) -> tuple[EncryptedDataset, MinimizationReport]:
    """Fetch a raw shard, minimize it under the contract, and encrypt the result to `output`.

    Pseudonyms are made under `pseudonym_key_version` of the pseudonym key, or the version the
    settings pin, or the key's latest; tokens under `token_key_version` of the token key, or its
    latest. The versions used are returned with the dataset (the release's manifest records them,
    and the inference service answers under them).
    The raw shard (if downloaded) and the plaintext minimized file live only in scratch.
    """
    contract = load_contract(contract_path)
    with scratch_dir(settings) as scratch:
        raw = fetch_shard(shard_uri, scratch)
        plain = scratch / "minimized.parquet"
        hmac = pseudonym_hmac_service(settings, key_version=pseudonym_key_version)
        made: list[TransitTokenService] = []

        def make_token_service() -> TransitTokenService:
            made.append(token_service(settings, key_version=token_key_version))
            return made[-1]

        report = minimize_file(contract, raw, plain, hmac, k=k, make_token_service=make_token_service)
        header = encrypt_file(plain, output, data_key_service(settings), context.encode(), settings.chunk_size)
    # A contract without pseudonymized columns used no version, pinned or not.
    pseudonym_version = hmac.key_version if report.columns_transformed.get("pseudonymize") else None
    # None too for a shard without rows: no value was encrypted, so no version was learned.
    token_version = made[0].key_version if made and report.columns_transformed.get("tokenize") else None
    return EncryptedDataset(output, context, report.output_rows, header.key_version, file_sha256(output),
                            pseudonym_version, token_key_version=token_version), report


def read_dataset(dataset_path: Path, context: str, settings: Settings) -> pa.Table:
    return read_encrypted_table(dataset_path, context, data_key_service(settings))
