from __future__ import annotations

import pyarrow as pa
import pytest

from secure_mlops.privacy import DataContract
from secure_mlops.training import TrainResult, audit_membership, membership_advantage, model_card

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def card(trained: TrainResult, contract: DataContract) -> str:
    return model_card(trained, audit_membership(trained), contract=contract, data_digest=DIGEST,
                      model_name="patients-diagnosis", extra={"Run": "run-42 | nightly"})


def test_model_card_mentions_metrics_and_privacy_and_no_identifiers(
        card: str, trained: TrainResult, contract: DataContract, table: pa.Table,
        raw_table: pa.Table) -> None:
    assert card.startswith("# Model card: patients-diagnosis\n")
    for section in ("Model details", "Intended use", "Out-of-scope use", "Training data",
                    "Metrics", "Privacy", "Limitations", "Additional information"):
        assert f"## {section}" in card
    assert f"| Accuracy | {trained.metrics['accuracy']:.4f} |" in card
    assert f"| ROC AUC | {trained.metrics['roc_auc']:.4f} |" in card
    (tp, fn), _ = trained.confusion_matrix
    assert f"| **malignant** | {tp} | {fn} |" in card
    audit = membership_advantage(trained)
    assert (f"advantage {audit.advantage:.3f}, less its noise floor {audit.noise_floor:.3f}: "
            f"{audit.lower_bound:.3f}, passed against the threshold 0.100") in card
    assert "exact duplicates" in card
    assert "k = 5" in card and "keyed-HMAC" in card
    assert "It is not a diagnosis" in card and "Diagnosis, or any decision" in card
    assert DIGEST in card and contract.digest() in card and "569 (426 training, 143 held out" in card
    assert "run-42 \\| nightly" in card  # a pipe cannot break the table

    # No value of any identifying column, raw or minimized, reaches the card.
    for name in ("patient_id", "full_name", "email", "ssn", "phone", "address", "postcode"):
        assert not any(str(v) in card for v in raw_table.column(name).to_pylist()), name
    assert not any(v in card for v in table.column("patient_id").to_pylist())


def test_model_card_says_when_the_audit_was_not_gated(trained: TrainResult,
                                                      contract: DataContract) -> None:
    card = model_card(trained, membership_advantage(trained), contract=contract,
                      data_digest=DIGEST, model_name="m")
    assert "not gated" in card and "## Additional information" not in card
