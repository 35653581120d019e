"""The request and response models come from the bento's contract and profile, for any contract."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from secure_mlops.privacy import load_contract
from secure_mlops.serving.schema import build_schema
from secure_mlops.validation import profile_dataset
from tests.support import churn
from tests.support.release import VALID, serving_schema


def test_record_fields_are_the_contracts_features_and_its_pseudonymized_identifier():
    schema = serving_schema()

    assert schema.feature_names == ("mean_radius", "mean_texture", "mean_perimeter", "mean_area",
                                    "mean_smoothness")
    assert schema.identifiers == ("patient_id",)
    assert set(schema.record.model_json_schema()["properties"]) == {*VALID, "patient_id"}


@pytest.mark.parametrize(
    "change",
    [{"mean_radius": -1.0}, {"mean_smoothness": 1.5}, {"mean_area": math.nan}, {"mean_texture": math.inf},
     {"ssn": "123-45-6789"}, {"mean_radius": "14"}, {"mean_area": 10_000.0}, {"patient_id": ""}],
    ids=["below-contract-min", "above-contract-max", "nan", "inf", "extra-field", "string-number",
         "far-outside-training-range", "empty-identifier"],
)
def test_input_outside_the_contract_is_refused(change):
    with pytest.raises(ValidationError):
        serving_schema().record.model_validate({**VALID, **change})


def test_a_missing_feature_is_refused_and_the_identifier_is_optional():
    schema = serving_schema()
    schema.record.model_validate(VALID)

    with pytest.raises(ValidationError, match="mean_area"):
        schema.record.model_validate({k: v for k, v in VALID.items() if k != "mean_area"})


def test_validation_errors_do_not_echo_the_submitted_value():
    with pytest.raises(ValidationError) as caught:
        serving_schema().record.model_validate({**VALID, "mean_radius": -987.654, "email": "jane@example.org"})

    assert "987.654" not in str(caught.value) and "jane@example.org" not in str(caught.value)


def test_batch_is_bounded_and_not_empty():
    schema = serving_schema(max_batch=2)
    schema.batch.model_validate({"records": [VALID, VALID]})

    for records in ([], [VALID] * 3):
        with pytest.raises(ValidationError):
            schema.batch.model_validate({"records": records})


def test_answer_has_label_and_score_and_only_the_identifiers_sent():
    schema = serving_schema()

    bare = schema.prediction.model_validate({"label": "benign", "score": 0.7})
    masked = schema.prediction.model_validate({"label": "benign", "score": 0.7, "i0": "ab" * 16})

    assert bare.model_dump() == {"label": "benign", "score": 0.7}
    assert masked.model_dump() == {"label": "benign", "score": 0.7, "patient_id": "ab" * 16}


def test_label_only_output_has_no_score_field():
    schema = serving_schema(with_score=False)

    assert set(schema.prediction.model_json_schema()["properties"]) == {"label", "patient_id"}


def test_a_second_contract_sharing_no_column_gets_its_own_schema(tmp_path):
    path = churn.write_contract(tmp_path / "churn.yaml")
    contract = load_contract(path)
    profile = profile_dataset(churn.churn_table(), contract)

    schema = build_schema(contract, profile, classes=["yes", "no"], max_batch=5, with_score=True)

    assert schema.feature_names == churn.FEATURES and schema.identifiers == ("customer_ref",)
    schema.record.model_validate({"income": 41000.5, "tenure": 12, "customer_ref": "C-1"})
    with pytest.raises(ValidationError):
        schema.record.model_validate({"income": 41000.5, "tenure": 601})  # contract max
    with pytest.raises(ValidationError):
        schema.record.model_validate(VALID)
