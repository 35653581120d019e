"""The privacy budget ledger in the object-locked audit bucket (moto's S3 server): spends add up
across runs, a refused run writes nothing, and runs racing for the last of the budget cannot both
have it (each entry is created with If-None-Match: *)."""

from __future__ import annotations

import os

import pytest

from secure_mlops.audit.budget import read_ledger, spend_budget
from secure_mlops.errors import PrivacyError
from tests.support.cli import run_cli
from tests.support.race import race

pytestmark = pytest.mark.integration

DATASET = "sha256:" + "ef" * 32


@pytest.fixture()
def store(audit_bucket: str) -> str:
    return f"s3://{audit_bucket}/audit/runs/"


def _spend(store: str, epsilon: float, run: str = "run") -> None:
    spend_budget(store, contract_name="patients", dataset_digest=DATASET, epsilon=epsilon, delta=0.0,
                 total_epsilon=2.0, run_id=run)


@pytest.mark.control("differential-privacy")
def test_runs_racing_for_the_budget_in_s3_spend_at_most_the_total(store: str) -> None:
    outcomes = race(6, lambda n: _spend(store, 0.5, run=f"r{n}"), PrivacyError)

    assert outcomes == ["refused"] * 2 + ["won"] * 4
    ledger = read_ledger(store, contract_name="patients", dataset_digest=DATASET)
    assert ledger.spent_epsilon == 2.0 and [e["run_id"] for e in ledger.entries] != []
    assert ledger.location == store + "privacy-budget/patients/" + "ef" * 32 + "/"
    with pytest.raises(PrivacyError, match="2 is spent in 4 runs"):
        _spend(store, 0.1)
    assert len(read_ledger(store, contract_name="patients", dataset_digest=DATASET).entries) == 4

    listed = run_cli("audit", "budget", "--store", store, env=dict(os.environ))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split() == ["patients", "ef" * 8, "4", "2", "2", "0"]
