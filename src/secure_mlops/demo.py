"""`secure-mlops demo`: the data core end to end on a synthetic extract, against a real local Vault.

Starts (or reuses) the local Vault, writes a synthetic raw extract, minimizes it under the
patients contract, encrypts the result, decrypts it to a scratch file and compares digests,
redacts a sample log, and returns a summary. The raw extract and the decrypted copy live in a
memory-backed scratch folder, as a pipeline step's do, removed at the end: only the encrypted
dataset and the report stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.digest import file_sha256

SAMPLE_LOG = (
    "2026-11-22T10:00:00Z INFO request from 203.0.113.7 user=jane.doe@example.com ssn=123-45-6789",
    "2026-11-22T10:00:01Z WARN retry trace_id=4bf92f3577b34da6a3ce929d0e0e4736 latency_ms=12.5",
    "2026-11-22T10:00:02Z ERROR auth failed Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2lnbmF0dXJl",
    "2026-11-22T10:00:03Z INFO payment card=4111 1111 1111 1111 db=postgres://app:hunter2@db:5432/x",
)


@dataclass(frozen=True)
class DemoSummary:
    vault_addr: str
    raw_rows: int
    minimized_rows: int
    k_required: int
    k_achieved: int
    columns_dropped: list[str]
    columns_not_in_contract: list[str]
    columns_transformed: dict[str, list[str]]
    encrypted_path: Path
    report_path: Path
    key_version: int
    round_trip_ok: bool
    redacted_log: list[str]


def run_demo(settings: Settings, contract_path: Path, out_dir: Path, rows: int = 569, seed: int = 7) -> DemoSummary:
    from secure_mlops.crypto import decrypt_file, encrypt_file
    from secure_mlops.demo_data import write_patients_csv
    from secure_mlops.privacy import load_contract, minimize_file, write_report
    from secure_mlops.redaction import Redactor
    from secure_mlops.steps.scratch import scratch_dir
    from secure_mlops.vault import DevVault, data_key_service, pseudonym_hmac_service, token_service

    if settings.vault_addr == settings.dev_vault_addr and settings.vault_token is None:
        DevVault(settings).up()
    contract = load_contract(contract_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    encrypted = out_dir / "patients.min.parquet.enc"
    report_path = out_dir / "patients.min.report.json"
    # Memory-backed like a step's: raw personal data and plaintext never reach a disk.
    with scratch_dir(settings) as scratch:
        raw = write_patients_csv(scratch / "patients.raw.csv", rows=rows, seed=seed)
        minimized = scratch / "patients.min.parquet"
        report = minimize_file(contract, raw, minimized, pseudonym_hmac_service(settings),
                               make_token_service=partial(token_service, settings))
        write_report(report, report_path)
        header = encrypt_file(minimized, encrypted, data_key_service(settings), encrypted.name.encode(), settings.chunk_size)
        decrypted = scratch / "patients.decrypted.parquet"
        decrypt_file(encrypted, decrypted, data_key_service(settings), encrypted.name.encode())
        round_trip_ok = file_sha256(decrypted) == file_sha256(minimized)
    redactor = Redactor(extra_keys=contract.identifier_columns())
    return DemoSummary(
        vault_addr=settings.vault_addr,
        raw_rows=report.input_rows,
        minimized_rows=report.output_rows,
        k_required=report.k_anonymity.k_required,
        k_achieved=report.k_anonymity.k_achieved,
        columns_dropped=report.columns_dropped,
        columns_not_in_contract=report.columns_not_in_contract,
        columns_transformed=report.columns_transformed,
        encrypted_path=encrypted,
        report_path=report_path,
        key_version=header.key_version,
        round_trip_ok=round_trip_ok,
        redacted_log=[redactor.redact(line) for line in SAMPLE_LOG],
    )
