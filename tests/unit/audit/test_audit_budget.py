"""The privacy budget ledger in a local audit store: ε adds up per contract and dataset, a run that
would exceed the total is refused naming both, nothing is replaced, and racing runs cannot both
take the last of the budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secure_mlops.audit.budget import read_ledger, spend_budget
from secure_mlops.errors import PrivacyError, StorageError
from tests.support.race import race

DATASET = "sha256:" + "ab" * 32
OTHER = "sha256:" + "cd" * 32


def _spend(store: Path, epsilon: float, *, dataset: str = DATASET, contract: str = "patients", total: float = 3.0,
           run: str = "run"):
    return spend_budget(str(store), contract_name=contract, dataset_digest=dataset, epsilon=epsilon, delta=0.0,
                        total_epsilon=total, run_id=run)


def test_spends_add_up_until_the_total_and_the_refusal_names_the_budget(tmp_path: Path) -> None:
    assert _spend(tmp_path, 1.0, run="r1").spent_epsilon == 1.0
    second = _spend(tmp_path, 1.5, run="r2")
    assert (second.spent_epsilon, second.runs, second.total_epsilon) == (2.5, 2, 3.0)

    with pytest.raises(PrivacyError) as refused:
        _spend(tmp_path, 1.0, run="r3")

    message = str(refused.value)
    assert "contract 'patients' allows ε 3 in total" in message and "2.5 is spent in 2 runs" in message
    assert "asks for 1" in message and "at most 0.5 is left" in message
    assert len(read_ledger(str(tmp_path), contract_name="patients", dataset_digest=DATASET).entries) == 2


def test_exactly_what_is_left_may_be_spent_despite_float_sums(tmp_path: Path) -> None:
    for _ in range(3):
        _spend(tmp_path, 0.1, total=0.3)
    with pytest.raises(PrivacyError, match="nothing is left"):
        _spend(tmp_path, 0.1, total=0.3)


def test_each_dataset_and_contract_has_a_budget_of_its_own(tmp_path: Path) -> None:
    _spend(tmp_path, 3.0)
    assert _spend(tmp_path, 3.0, dataset=OTHER).spent_epsilon == 3.0
    assert _spend(tmp_path, 3.0, contract="churn").spent_epsilon == 3.0


def test_entries_are_read_only_and_hold_no_value(tmp_path: Path) -> None:
    spent = _spend(tmp_path, 1.0, run="r1")
    path = Path(spent.location)
    assert path.name == "000001.json" and not path.stat().st_mode & 0o222
    entry = json.loads(path.read_text())
    assert set(entry) == {"schema", "run_id", "recorded_at", "contract", "dataset_sha256", "epsilon", "delta",
                          "total_epsilon"}


def test_a_contract_name_that_is_no_safe_path_is_named_by_its_digest(tmp_path: Path) -> None:
    spent = _spend(tmp_path, 1.0, contract="../../etc")
    assert Path(spent.location).resolve().is_relative_to(tmp_path / "privacy-budget")
    assert "etc" not in Path(spent.location).relative_to(tmp_path).parts[1]


def test_a_foreign_file_in_the_ledger_is_an_error_not_a_free_budget(tmp_path: Path) -> None:
    spent = _spend(tmp_path, 1.0)
    (Path(spent.location).parent / "000002.json").write_text('{"epsilon": -5}')
    with pytest.raises(StorageError, match="is not a privacy budget entry"):
        _spend(tmp_path, 1.0)


@pytest.mark.parametrize("round_", range(5))  # a race shows only sometimes: run it a few times
def test_racing_runs_cannot_spend_more_than_the_total(tmp_path: Path, round_: int) -> None:
    outcomes = race(8, lambda n: _spend(tmp_path, 1.0, run=f"r{n}"), PrivacyError)

    # A run that read half an entry would have died with a StorageError: one outcome short.
    assert outcomes == ["refused"] * 5 + ["won"] * 3
    ledger = read_ledger(str(tmp_path), contract_name="patients", dataset_digest=DATASET)
    assert ledger.spent_epsilon == 3.0 and len(ledger.entries) == 3


def test_every_ledger_is_listed_with_what_is_spent_and_the_total(tmp_path: Path) -> None:
    from secure_mlops.audit.budget import list_ledgers

    assert list_ledgers(str(tmp_path)) == []
    _spend(tmp_path, 1.0)
    _spend(tmp_path, 0.5)
    _spend(tmp_path, 2.0, contract="churn", dataset=OTHER, total=4.0)
    listed = [(ledger.entries[0]["contract"], len(ledger.entries), ledger.spent_epsilon, ledger.total_epsilon)
              for ledger in list_ledgers(str(tmp_path))]
    assert listed == [("churn", 1, 2.0, 4.0), ("patients", 2, 1.5, 3.0)]
