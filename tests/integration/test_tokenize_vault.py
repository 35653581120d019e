"""Reversible tokens against a real OpenBao: minimization tokenizes with the pipeline policy,
`secure-mlops detokenize` reads tokens back with the re-identifier policy only, per column, and
records each call in the audit store without a value or a token."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import hvac
import pyarrow.parquet as pq
import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import IntegrityError, VaultError
from secure_mlops.privacy import parse_contract
from secure_mlops.privacy.minimize import minimize_file
from secure_mlops.privacy.reidentify import reidentify
from secure_mlops.privacy.tokenize import is_token
from secure_mlops.vault import TransitHmacService
from secure_mlops.vault.tokens import TransitTokenService
from tests.support.policies import policy_client, policy_token

pytestmark = pytest.mark.integration

CONTRACT = """
name: customers
version: "1"
k_anonymity: {k: 1}
columns:
  - {name: customer_id, type: string, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: email, type: string, classification: direct_identifier, action: tokenize}
  - {name: visits, type: integer, classification: feature, action: keep}
"""
ROWS = [("c-1", "ann@example.org", 3), ("c-2", "bob@example.org", 5), ("c-1", "ann@example.org", 7),
        ("c-3", "c-1", 1)]


# The command as the CLI registers it (cli/detokenize_cmds.register), in an app of its own.
DETOKENIZE_CLI = (
    "import typer; from secure_mlops.cli import detokenize_cmds; app = typer.Typer(); "
    "app.callback()(lambda: None); detokenize_cmds.register(app); app()"
)


@pytest.fixture(scope="module")
def tokenized(vault_root: hvac.Client, vault_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """The demo rows minimized with a pipeline-policy token: (contract file, contract, table)."""
    folder = tmp_path_factory.mktemp("tokens")
    raw = folder / "raw.csv"
    raw.write_text("customer_id,email,visits\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS), encoding="utf-8")
    contract_file = folder / "customers.contract.yaml"
    contract_file.write_text(CONTRACT, encoding="utf-8")
    contract = parse_contract(CONTRACT)
    pipeline = policy_client(vault_root, "secure-mlops-pipeline")
    out = folder / "min.parquet"
    minimize_file(contract, raw, out, TransitHmacService(pipeline, key_name=vault_settings.pseudonym_key_name),
                  make_token_service=lambda: TransitTokenService(pipeline, key_name=vault_settings.token_key_name))
    return contract_file, contract, pq.read_table(out)


def test_tokens_are_deterministic_per_column_and_distinct_across_columns(tokenized) -> None:
    _, _, table = tokenized
    ids, emails = table.column("customer_id").to_pylist(), table.column("email").to_pylist()
    assert all(is_token(t) for t in ids + emails)
    assert ids[0] == ids[2] != ids[1] and emails[0] == emails[2]
    # "c-1" is a customer id in row 0 and an email in row 3: unrelated tokens.
    assert emails[3] != ids[0]
    assert not {"c-1", "ann@example.org"} & set(ids + emails)


def test_reidentifier_round_trips_and_the_record_holds_no_value_or_token(
    tokenized, vault_root: hvac.Client, vault_settings: Settings, tmp_path: Path
) -> None:
    _, contract, table = tokenized
    ids = table.column("customer_id").to_pylist()
    service = TransitTokenService(policy_client(vault_root, "secure-mlops-reidentifier"), key_name=vault_settings.token_key_name)
    store = tmp_path / "audit"
    result = reidentify(ids, service, contract=contract, column="customer_id", reason="INC-1: notify customers",
                        who="alice", entity_id=None, store_uri=str(store))
    assert result.values == ["c-1", "c-2", "c-1", "c-3"]
    (record_file,) = (store / "detokenizations").glob("*.json")
    text = record_file.read_text(encoding="utf-8")
    record = json.loads(text)
    assert (record["who"], record["column"], record["values"], record["reason"]) == \
        ("alice", "customer_id", 4, "INC-1: notify customers")
    assert not any(secret in text for secret in ["c-1", "c-2", "c-3", *ids])
    assert record_file.stat().st_mode & 0o222 == 0  # written once, read-only


@pytest.mark.control("least-privilege-vault")
def test_pipeline_tokenizes_but_never_detokenizes(tokenized, vault_root: hvac.Client, vault_settings: Settings) -> None:
    _, contract, table = tokenized
    pipeline = TransitTokenService(policy_client(vault_root, "secure-mlops-pipeline"), key_name=vault_settings.token_key_name)
    with pytest.raises(VaultError, match="permission denied"):
        reidentify(table.column("customer_id").to_pylist()[:1], pipeline, contract=contract, column="customer_id",
                   reason="curious", who="pipeline", entity_id=None, store_uri="/nonexistent/never-written")
    reidentifier = TransitTokenService(policy_client(vault_root, "secure-mlops-reidentifier"),
                                       key_name=vault_settings.token_key_name)
    with pytest.raises(VaultError, match="permission denied"):
        reidentifier.encrypt_many([b"c-1"], b"context")


def test_a_token_of_one_column_does_not_detokenize_as_another(
    tokenized, vault_root: hvac.Client, vault_settings: Settings, tmp_path: Path
) -> None:
    _, contract, table = tokenized
    service = TransitTokenService(policy_client(vault_root, "secure-mlops-reidentifier"), key_name=vault_settings.token_key_name)
    with pytest.raises(IntegrityError, match="does not decrypt under this contract and column"):
        reidentify(table.column("customer_id").to_pylist()[:2], service, contract=contract, column="email",
                   reason="mix-up", who="alice", entity_id=None, store_uri=str(tmp_path / "audit"))
    assert not (tmp_path / "audit").exists()  # nothing revealed, nothing recorded


def test_detokenize_command_reads_stdin_and_records_who_asked(
    tokenized, vault_root: hvac.Client, cli_env: dict[str, str], tmp_path: Path
) -> None:
    contract_file, _, table = tokenized
    emails = table.column("email").to_pylist()
    store = tmp_path / "store"
    env = {**cli_env, "VAULT_TOKEN": policy_token(vault_root, "secure-mlops-reidentifier", ttl="10m"),
           "SECURE_MLOPS_AUDIT_STORE": str(store)}
    command = [sys.executable, "-c", DETOKENIZE_CLI, "detokenize", "--contract", str(contract_file), "--column", "email"]
    missing_reason = subprocess.run(command, input="\n".join(emails), env=env, capture_output=True, text=True)
    assert missing_reason.returncode == 2 and "--reason" in missing_reason.stderr
    done = subprocess.run([*command, "--reason", "INC-2: data subject request"], input="\n".join(emails) + "\n",
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["ann@example.org", "bob@example.org", "ann@example.org", "c-1"]
    (record_file,) = (store / "detokenizations").glob("*.json")
    record = json.loads(record_file.read_text(encoding="utf-8"))
    assert record["who"].startswith("token") and record["values"] == 4  # the token's display name
    assert "example.org" not in record_file.read_text(encoding="utf-8")
