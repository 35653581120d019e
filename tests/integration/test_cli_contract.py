"""`secure-mlops contract init | check` end to end, as a data scientist bringing a churn table of
their own would run them: propose, check against the data, fall into the YAML boolean trap, miss k."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from tests.support import churn
from tests.support.cli import clean_env, run_cli

pytestmark = pytest.mark.integration
ROWS = 300
# Age and the full postcode kept: nearly every row its own group.
STRICT = """\
name: churn
version: "1"
columns:
  - {name: age, type: integer, classification: quasi_identifier, action: keep}
  - {name: zip, type: string, classification: quasi_identifier, action: keep}
  - {name: tenure, type: integer, classification: feature, action: keep}
  - {name: churned, type: string, classification: label, action: keep, allowed_values: ["yes", "no"]}
"""


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("churn") / "churn.csv"
    pacsv.write_csv(churn.churn_table(ROWS, seed=21, locale="en_GB").drop_columns(["customer_ref"]), path)
    return path


def test_init_proposes_a_contract_that_check_accepts_on_the_data(churn_csv: Path, tmp_path: Path) -> None:
    contract = tmp_path / "churn.contract.yaml"
    proposed = run_cli("contract", "init", "--sample", churn_csv, "--k", "5", "--target", "churned", "-o", contract,
                       env=clean_env())
    assert proposed.returncode == 0, proposed.stderr
    assert f"proposed {contract}" in proposed.stdout and "review each column's comment" in proposed.stdout

    checked = run_cli("contract", "check", contract, "--data", churn_csv, env=clean_env())
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok: contract churn version 0.1.0: 8 columns, k = 5, checked against churn.csv" in checked.stdout
    assert "k-anonymity on churn.csv after minimization: k = " in checked.stdout
    assert "Traceback" not in checked.stderr


def test_init_writes_to_stdout_by_default_and_never_over_its_sample(churn_csv: Path) -> None:
    printed = run_cli("contract", "init", "--sample", churn_csv, env=clean_env())
    assert printed.returncode == 0 and printed.stdout.startswith("# Data contract proposed by")
    before = churn_csv.read_bytes()
    refused = run_cli("contract", "init", "--sample", churn_csv, "-o", churn_csv, env=clean_env())
    assert refused.returncode == 4 and "is the same file as --sample" in refused.stderr
    assert churn_csv.read_bytes() == before


def test_the_boolean_trap_is_named_with_exit_code_4(churn_csv: Path, tmp_path: Path) -> None:
    contract = tmp_path / "churn.contract.yaml"
    assert run_cli("contract", "init", "--sample", churn_csv, "-o", contract, env=clean_env()).returncode == 0
    contract.write_text(contract.read_text().replace('["no", "yes"]', "[no, yes]"))
    checked = run_cli("contract", "check", contract, env=clean_env())
    assert checked.returncode == 4
    assert "column 'churned': no was read as the boolean false" in checked.stdout
    assert 'quote it, "no"' in checked.stdout
    assert checked.stderr.strip() == "error: the contract check found 1 problem"


def test_k_not_reached_on_the_data_exits_5_without_a_value(churn_csv: Path, tmp_path: Path) -> None:
    contract = tmp_path / "strict.yaml"
    contract.write_text(STRICT, encoding="utf-8")
    checked = run_cli("contract", "check", contract, "--data", churn_csv, env=clean_env())
    assert checked.returncode == 5, checked.stdout + checked.stderr
    assert "k-anonymity on churn.csv after minimization: k = 1 (required 5)" in checked.stdout
    assert "without zip: k = " in checked.stdout
    postcodes = pacsv.read_csv(churn_csv).column("zip").to_pylist()
    assert not any(code in checked.stdout + checked.stderr for code in postcodes)


def test_a_column_missing_from_the_data_is_a_problem(churn_csv: Path, tmp_path: Path) -> None:
    contract = tmp_path / "churn.contract.yaml"
    assert run_cli("contract", "init", "--sample", churn_csv, "-o", contract, env=clean_env()).returncode == 0
    narrow = tmp_path / "narrow.csv"
    pacsv.write_csv(pacsv.read_csv(churn_csv).drop_columns(["tenure"]), narrow)
    checked = run_cli("contract", "check", contract, "--data", narrow, env=clean_env())
    assert checked.returncode == 4
    assert "problem: narrow.csv: column 'tenure' of the contract is missing from the data" in checked.stdout
