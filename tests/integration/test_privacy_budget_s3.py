"""The privacy budget ledger in the object-locked audit bucket (moto's S3 server): spends add up
across runs, a refused run writes nothing, and runs racing for the last of the budget cannot both
have it (each entry is created with If-None-Match: *)."""

from __future__ import annotations

import os
import threading
import uuid

import boto3
import pytest

from secure_mlops.audit.budget import read_ledger, spend_budget
from secure_mlops.errors import PrivacyError
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration

DATASET = "sha256:" + "ef" * 32


@pytest.fixture()
def store(aws_env: str) -> str:
    name = f"audit-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    return f"s3://{name}/audit/runs/"


def _spend(store: str, epsilon: float, run: str = "run") -> None:
    spend_budget(store, contract_name="patients", dataset_digest=DATASET, epsilon=epsilon, delta=0.0,
                 total_epsilon=2.0, run_id=run)


@pytest.mark.control("differential-privacy")
def test_runs_racing_for_the_budget_in_s3_spend_at_most_the_total(store: str) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def run(n: int) -> None:
        start.wait()
        try:
            _spend(store, 0.5, run=f"r{n}")
            outcomes.append("spent")
        except PrivacyError:
            outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * 2 + ["spent"] * 4
    ledger = read_ledger(store, contract_name="patients", dataset_digest=DATASET)
    assert ledger.spent_epsilon == 2.0 and [e["run_id"] for e in ledger.entries] != []
    assert ledger.location == store + "privacy-budget/patients/" + "ef" * 32 + "/"
    with pytest.raises(PrivacyError, match="2 is spent in 4 runs"):
        _spend(store, 0.1)
    assert len(read_ledger(store, contract_name="patients", dataset_digest=DATASET).entries) == 4

    listed = run_cli("audit", "budget", "--store", store, env=dict(os.environ))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].split() == ["patients", "ef" * 8, "4", "2", "2", "0"]
