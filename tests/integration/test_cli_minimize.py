"""`secure-mlops minimize` with pseudonyms from a real OpenBao Transit key."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import hvac
import pyarrow.parquet as pq
import pytest

from secure_mlops.config import Settings
from secure_mlops.demo_data import generate_patients, write_patients_csv
from secure_mlops.errors import VaultError
from secure_mlops.privacy import load_contract, minimize_file
from secure_mlops.vault import TransitHmacService, connect, ensure_transit_keys
from tests.support.cli import run_cli
from tests.support.paths import PATIENTS
from tests.support.servers import start_dev_vault

pytestmark = pytest.mark.integration
IDENTIFIERS = ("patient_id", "full_name", "email", "ssn", "phone", "address", "referral_note")


def run(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=env)


@pytest.fixture(scope="module")
def raw_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_patients_csv(tmp_path_factory.mktemp("raw") / "patients.csv", rows=569, seed=11)


def test_minimized_output_holds_no_raw_identifier(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "min.parquet"
    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", out)
    assert result.returncode == 0, result.stderr
    raw = generate_patients(569, seed=11)
    secrets = {v for col in IDENTIFIERS for v in raw.column(col).to_pylist()}
    written = out.read_bytes() + Path(str(out) + ".report.json").read_bytes() + result.stdout.encode()
    leaked = [s for s in secrets if s.encode() in written]
    assert leaked == []
    assert "referral_note" in json.loads(Path(str(out) + ".report.json").read_text())["columns_not_in_contract"]


def test_pseudonyms_are_stable_across_runs_and_change_with_the_key(
    cli_env: dict[str, str], vault_root: hvac.Client, raw_csv: Path, tmp_path: Path
) -> None:
    first, second, other = tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "c.parquet"
    assert run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", first).returncode == 0
    assert run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", second).returncode == 0
    vault_root.adapter.post("/v1/transit/keys/other-pseudonym-key", json={"type": "hmac", "key_size": 32})
    env = {**cli_env, "SECURE_MLOPS_PSEUDONYM_KEY_NAME": "other-pseudonym-key"}
    assert run(env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", other).returncode == 0

    ids = [pq.read_table(p).column("patient_id").to_pylist() for p in (first, second, other)]
    assert ids[0] == ids[1]
    assert not set(ids[0]) & set(ids[2])


def test_below_k_fails_with_counts_and_writes_nothing(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", tmp_path / "m.parquet", "--k", "500")
    assert result.returncode == 5, result.stderr
    assert "k-anonymity" in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_unknown_action_names_the_line(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(PATIENTS.read_text().replace("action: drop", "action: hash", 1))
    result = run(cli_env, "minimize", "--contract", bad, "-i", raw_csv, "-o", tmp_path / "m.parquet")
    assert result.returncode == 4
    assert "bad.yaml:" in result.stderr and "unknown action 'hash'" in result.stderr
    assert not (tmp_path / "m.parquet").exists()


def test_malformed_csv_is_rejected_without_echoing_data(cli_env: dict[str, str], tmp_path: Path) -> None:
    raw = write_patients_csv(tmp_path / "raw.csv", rows=100, seed=3)
    lines = raw.read_text().splitlines()
    lines[40] += ",extra-field-jane@example.com"
    raw.write_text("\n".join(lines) + "\n")
    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw, "-o", tmp_path / "m.parquet")
    assert result.returncode == 4 and "row" in result.stderr
    assert "jane@example.com" not in result.stderr
    assert not (tmp_path / "m.parquet").exists()


def test_vault_stopped_mid_run_fails_and_writes_nothing(tmp_path: Path) -> None:
    server = start_dev_vault(tmp_path)
    try:
        settings = Settings(vault_addr=server.url, vault_token=server.token, state_dir=tmp_path)
        ensure_transit_keys(hvac.Client(url=server.url, token=server.token), settings)
        service = TransitHmacService(connect(settings), key_name=settings.pseudonym_key_name)
        real = service.hmac_many
        calls = []

        def stop_vault_after_first_batch(values):
            calls.append(len(values))
            if len(calls) == 2:
                server.stop()
            return real(values)

        service.hmac_many = stop_vault_after_first_batch  # type: ignore[method-assign]
        raw = write_patients_csv(tmp_path / "raw.csv", rows=3000, seed=5)
        out = tmp_path / "out" / "m.parquet"
        out.parent.mkdir()
        with pytest.raises(VaultError, match="cannot reach Vault"):
            minimize_file(load_contract(PATIENTS), raw, out, service, batch_rows=1000)
        assert len(calls) == 2
        assert list(out.parent.iterdir()) == []
    finally:
        server.stop()


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def test_a_binary_file_gets_one_line_and_no_traceback(cli_env: dict[str, str], tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(0x80, 0x100)) * 100)  # no byte of it starts UTF-8 text

    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", garbage, "-o", tmp_path / "m.parquet")

    assert result.returncode == 4
    assert _one_line(result) == "error: garbage.csv: cannot read a CSV header\n"


def test_a_bad_float_ends_with_exit_4_and_one_line(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    rows = list(csv.reader(raw_csv.read_text().splitlines()))
    rows[300][rows[0].index("mean_radius")] = "1.2.3"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)

    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", bad, "-o", tmp_path / "m.parquet")

    assert result.returncode == 4  # never 134: the CSV reader is closed before the process exits
    assert _one_line(result) == "error: bad.csv: row 300: column 'mean_radius': value is not a valid float\n"


def test_a_header_only_csv_is_refused(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(raw_csv.read_text().splitlines()[0] + "\n")

    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", empty, "-o", tmp_path / "m.parquet")

    assert result.returncode == 4
    assert _one_line(result) == "error: empty.csv: no data rows, nothing to minimize\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.csv"]


def test_a_report_over_the_input_is_refused_and_the_input_kept(
        cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    same = tmp_path / "same.csv"
    same.write_bytes(raw_csv.read_bytes())

    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", same, "-o", tmp_path / "out.parquet",
                 "--report", same)

    assert result.returncode == 4
    assert "--report" in _one_line(result) and "is the same file as --input" in result.stderr
    assert same.read_bytes() == raw_csv.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.csv"]


def test_a_report_into_a_missing_folder_fails_before_the_output_is_written(
        cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", tmp_path / "out.parquet",
                 "--report", tmp_path / "missing" / "report.json")

    assert result.returncode == 8
    assert "no such directory" in _one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_a_k_beyond_int64_is_refused_up_front(cli_env: dict[str, str], raw_csv: Path, tmp_path: Path) -> None:
    result = run(cli_env, "minimize", "--contract", PATIENTS, "-i", raw_csv, "-o", tmp_path / "m.parquet",
                 "--k", "9223372036854775808")

    assert result.returncode == 4
    assert _one_line(result) == "error: k is too large: at most 9223372036854775807\n"
    assert list(tmp_path.iterdir()) == []
