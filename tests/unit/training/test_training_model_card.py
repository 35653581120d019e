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


def test_a_card_without_differential_privacy_says_so_and_has_no_section_for_it(card: str) -> None:
    assert "| Differential privacy | none |" in card and "not trained with differential privacy" in card
    assert "## Differential privacy" not in card


def test_a_private_model_card_states_epsilon_in_plain_words_with_the_budget_and_what_privacy_cost(
        table: pa.Table, contract: DataContract) -> None:
    from secure_mlops.training import train_model
    from secure_mlops.training.private import PrivacyStatement, UtilityRow

    private = train_model(table, contract, seed=0, dp_epsilon=0.5)
    audit = membership_advantage(private)
    rows = (UtilityRow("this model", 0.5, 0.81, 0.88, 0.021), UtilityRow("reference", None, 0.93, 0.98, 0.05))
    card = model_card(private, audit, contract=contract, data_digest=DIGEST, model_name="m",
                      dp=PrivacyStatement(private.privacy, budget_spent=1.5, budget_total=3.0, utility=rows))
    assert "## Differential privacy" in card and "ε = 0.5 and δ = 0" in card and "e^ε ≈ 1.6" in card
    assert "objective perturbation" in card and "diffprivlib 0.6.6" in card
    assert "1.5 of the ε 3 the contract allows on this dataset is spent" in card
    assert "| this model | 0.5 | 0.8100 | 0.8800 | 0.021 |" in card and "| reference | none | 0.9300 |" in card
    assert f"noise floor, {audit.noise_floor:.3f}" in card
    assert "| Differential privacy | ε = 0.5, δ = 0 (" in card
    assert "not trained with differential privacy" not in card
