"""The service's logic: a closed, typed input and a coarse output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.linear_model import LogisticRegression

from secure_mlops.errors import InputError
from secure_mlops.packaging import serving
from secure_mlops.privacy import load_contract
from secure_mlops.training import feature_columns, save_model

CONTRACT = Path(__file__).resolve().parents[3] / "policies" / "data" / "patients.contract.yaml"
VALID = {"mean_radius": 14.2, "mean_texture": 19.3, "mean_perimeter": 92.1, "mean_area": 655.0,
         "mean_smoothness": 0.096}


def _fit(n_features: int = len(serving.FEATURE_NAMES)) -> LogisticRegression:
    rng = np.random.default_rng(1)
    return LogisticRegression().fit(rng.random((60, n_features)) * 100,
                                    np.array(["malignant", "benign", "benign"] * 20))


def test_input_fields_are_the_contracts_feature_columns_in_order():
    features, _label = feature_columns(load_contract(CONTRACT))

    assert list(serving.FEATURE_NAMES) == features


@pytest.mark.parametrize(
    "change",
    [{"mean_radius": -1.0}, {"mean_smoothness": 1.5}, {"mean_area": float("nan")},
     {"mean_texture": float("inf")}, {"ssn": "123-45-6789"}],
    ids=["negative", "above-max", "nan", "inf", "extra-field"],
)
def test_input_outside_the_contract_is_refused(change):
    with pytest.raises(ValidationError):
        serving.PatientFeatures(**{**VALID, **change})


def test_validation_errors_do_not_echo_the_submitted_value():
    with pytest.raises(ValidationError) as caught:
        serving.PatientFeatures(**{**VALID, "mean_radius": -987.654, "email": "jane@example.org"})

    assert "987.654" not in str(caught.value) and "jane@example.org" not in str(caught.value)


def test_prediction_is_a_label_and_a_score_rounded_to_one_decimal():
    estimator = _fit()

    prediction = serving.predict_coarse(estimator, serving.PatientFeatures(**VALID))

    assert prediction.label in {"malignant", "benign"}
    assert 0.5 <= prediction.score <= 1.0
    assert prediction.score == round(prediction.score, 1)
    assert set(prediction.model_dump()) == {"label", "score"}


def test_packaged_model_loads_from_its_skops_file(tmp_path):
    save_model(_fit(), tmp_path / serving.MODEL_FILENAME)

    estimator = serving.load_packaged_model(tmp_path)

    assert serving.predict_coarse(estimator, serving.PatientFeatures(**VALID)).label


def test_model_trained_on_other_columns_is_refused_at_load(tmp_path):
    save_model(_fit(n_features=3), tmp_path / serving.MODEL_FILENAME)

    with pytest.raises(InputError, match="takes 3 features"):
        serving.load_packaged_model(tmp_path)


def test_model_tag_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(serving.MODEL_TAG_ENV, raising=False)
    assert serving.model_tag_from_env() == "secure-mlops-model:latest"

    monkeypatch.setenv(serving.MODEL_TAG_ENV, "secure-mlops-model:abc")
    assert serving.model_tag_from_env() == "secure-mlops-model:abc"
