"""The model card's purpose and uses come from the data contract, never from a clinical default,
and it states the k achieved next to the k required."""

from __future__ import annotations

import pytest

from secure_mlops.privacy import DataContract
from secure_mlops.training import TrainResult, audit_membership, model_card

DIGEST = "sha256:" + "cd" * 32


def _card(trained: TrainResult, contract: DataContract, **kwargs: object) -> str:
    return model_card(trained, audit_membership(trained), contract=contract, data_digest=DIGEST, model_name="m",
                      **kwargs)  # type: ignore[arg-type]


def test_the_patients_card_quotes_its_contract(trained: TrainResult, contract: DataContract) -> None:
    card = _card(trained, contract, k_achieved=7)
    assert contract.model_card is not None and contract.model_card.purpose is not None
    assert f"## Purpose\n\n{contract.model_card.purpose}\n\n## Intended use" in card
    assert "- Diagnosis, or any decision about a patient, without a clinician's review.\n" in card
    assert "k = 5 rows (required); the smallest such group in the training data has 7 rows (k achieved)" in card


def test_without_a_model_card_section_the_card_says_not_stated(trained: TrainResult, contract: DataContract) -> None:
    other = contract.model_copy(update={"model_card": None, "name": "churn"})
    card = _card(trained, other)
    for section, field in (("Purpose", "purpose"), ("Intended use", "intended_use"),
                           ("Out-of-scope use", "out_of_scope_use")):
        assert f"## {section}\n\nNot stated in the data contract (`model_card.{field}`" in card
    assert "clinician" not in card.lower() and "diagnosis, or any" not in card.lower()
    assert "the k achieved was not recorded for this card" in card


@pytest.mark.parametrize("field", ["purpose", "intended_use", "out_of_scope_use"])
def test_each_part_comes_from_its_own_field(trained: TrainResult, contract: DataContract, field: str) -> None:
    from secure_mlops.privacy.contract import ModelCardText

    other = contract.model_copy(update={"model_card": ModelCardText(**{field: "Churn prevention, reviewed by sales."})})
    card = _card(trained, other)
    assert card.count("Churn prevention, reviewed by sales.") == 1
    assert card.count("Not stated in the data contract") == 2
