"""Proposing a contract from a sample: identifiers by name and by value, quasi-identifiers
generalized until the sample is k-anonymous, a comment on every choice, no value from the data."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from secure_mlops.errors import InputError
from secure_mlops.privacy import Action, Classification, ColumnType
from secure_mlops.privacy.contract_check import check_contract
from secure_mlops.privacy.contract_init import propose_contract
from tests.support import churn

ROWS = 400


def churn_table(rows: int = ROWS, seed: int = 3) -> pa.Table:
    """The shared churn generator in another locale, without the reference column: a sample as a
    data scientist would export it."""
    return churn.churn_table(rows, seed, locale="en_US").drop_columns(["customer_ref"])


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return churn_table()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory, table: pa.Table) -> Path:
    path = tmp_path_factory.mktemp("sample") / "churn.csv"
    pacsv.write_csv(table, path)
    return path


def _by_name(text: str) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in yaml.safe_load(text)["columns"]}


def test_a_churn_sample_gets_identifiers_dropped_a_label_and_k_reached(sample: Path, table: pa.Table) -> None:
    proposal = propose_contract(sample, k=5)
    contract = proposal.contract
    assert contract.name == "churn" and contract.k_anonymity.k == 5
    by_name = {c.name: c for c in contract.columns}
    for identifier in ("name", "email", "phone"):
        assert (by_name[identifier].classification, by_name[identifier].action) == (
            Classification.DIRECT_IDENTIFIER, Action.DROP), identifier
    assert {c.name for c in contract.columns if c.classification is Classification.QUASI_IDENTIFIER} == {"age", "zip"}
    assert by_name["zip"].type is ColumnType.STRING
    assert (by_name["income"].classification, by_name["tenure"].classification) == (Classification.FEATURE,) * 2
    assert by_name["churned"].classification is Classification.LABEL
    assert by_name["churned"].allowed_values == ["no", "yes"]
    assert proposal.k_achieved is not None and proposal.k_achieved >= 5
    assert proposal.rows == ROWS


def test_the_proposal_passes_contract_check_on_its_sample(sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "churn.contract.yaml"
    path.write_text(propose_contract(sample, k=5).text, encoding="utf-8")
    result = check_contract(path, sample)
    assert result.problems == [] and result.failure() is None


def test_every_column_has_a_comment_and_the_label_values_are_quoted(sample: Path) -> None:
    text = propose_contract(sample, k=5).text
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("  - name: "):
            assert lines[index - 1].startswith("  # "), line
    assert 'allowed_values: ["no", "yes"]' in text  # unquoted, YAML would read booleans
    assert "# label: guessed from its name (churned); check it, or pass --target COLUMN" in text
    assert "email data" in text and "# model_card:" in text


def test_each_generalization_says_what_the_finer_step_gave(sample: Path) -> None:
    proposal = propose_contract(sample, k=5)
    comments = {}
    current: list[str] = []
    for line in proposal.text.splitlines():
        if line.startswith("  # "):
            current.append(line)
        elif line.startswith("  - name: "):
            comments[line.removeprefix("  - name: ")] = current
            current = []
    generalized = [c for c in proposal.contract.columns if c.classification is Classification.QUASI_IDENTIFIER
                   and c.action is not Action.KEEP]
    assert generalized
    for column in generalized:
        assert any(" gives k = " in line and "on the sample" in line for line in comments[column.name]), column.name


def test_no_value_of_the_sample_reaches_the_proposal_but_the_label_classes(sample: Path, table: pa.Table) -> None:
    text = propose_contract(sample, k=5).text
    for name in ("name", "email", "phone", "zip"):
        leaked = [v for v in table.column(name).to_pylist() if v in text]
        assert leaked == [], name


def test_a_higher_k_is_reached_with_coarser_groups(sample: Path, tmp_path: Path) -> None:
    groups = {}
    for k in (2, 40):
        path = tmp_path / f"k{k}.yaml"
        path.write_text(propose_contract(sample, k=k).text, encoding="utf-8")
        result = check_contract(path, sample).k_anonymity
        assert result is not None and result.result.satisfied and result.result.k_achieved >= k  # type: ignore[operator]
        groups[k] = result.result.groups
    assert groups[40] < groups[2]


def test_target_option_and_a_parquet_sample(tmp_path: Path, table: pa.Table) -> None:
    path = tmp_path / "Customers 2024.parquet"
    pq.write_table(table, path)
    proposal = propose_contract(path, k=5, target="tenure")
    by_name = {c.name: c for c in proposal.contract.columns}
    assert proposal.contract.name == "customers-2024"
    assert by_name["tenure"].classification is Classification.LABEL
    assert "# label: the model's target (--target)" in proposal.text
    assert by_name["churned"].action is Action.DROP  # text is no model input: dropped, and said so
    assert by_name["age"].type is ColumnType.INTEGER


def test_ids_are_pseudonymized_and_leading_zeros_stay_text(tmp_path: Path) -> None:
    rows = 60
    path = tmp_path / "s.csv"
    pacsv.write_csv(pa.table({
        "customer_id": [f"K-{i:05d}" for i in range(rows)],
        "branch": [f"0{i % 3}" for i in range(rows)],
        "score": [float(i) for i in range(rows)],
        "label": ["a" if i % 2 else "b" for i in range(rows)],
    }), path)
    by_name = _by_name(propose_contract(path, k=3).text)
    assert (by_name["customer_id"]["classification"], by_name["customer_id"]["action"]) == (
        "direct_identifier", "pseudonymize")
    assert by_name["branch"]["type"] == "string"
    assert by_name["label"]["classification"] == "label"


def test_impossible_requests_are_input_errors(sample: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"--target 'churn' is not a column of churn\.csv"):
        propose_contract(sample, target="churn")
    with pytest.raises(InputError, match="has 400 rows, fewer than k = 401"):
        propose_contract(sample, k=401)
    empty = tmp_path / "empty.csv"
    empty.write_text("a,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="no data rows"):
        propose_contract(empty)
