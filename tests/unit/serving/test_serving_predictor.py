"""From validated records to coarse answers: identifiers masked, the label and a rounded score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from secure_mlops.errors import InputError
from secure_mlops.privacy import load_contract
from secure_mlops.serving.drift import MIN_RECORDS, DriftMonitor
from secure_mlops.serving.predictor import IdentifierMasker, Predictor
from secure_mlops.validation import profile_dataset
from tests.support.fakes import FakeHmacService, RecordingMetrics
from tests.support.paths import PATIENTS
from tests.support.release import VALID, serving_schema, training_table


def _fit(n_features: int = 5) -> LogisticRegression:
    table = training_table(PATIENTS)
    x = np.column_stack([table.column(n).to_numpy() for n in VALID])[:, :n_features]
    return LogisticRegression(max_iter=1000).fit(x, table.column("diagnosis").to_numpy())


def _predictor(estimator=None, *, hmac=None, with_score=True, metrics=None):
    schema = serving_schema(with_score=with_score)
    metrics = metrics or RecordingMetrics()
    contract = load_contract(PATIENTS)
    drift = DriftMonitor(profile_dataset(training_table(PATIENTS), contract), schema.features, metrics, window=100)
    service = hmac or FakeHmacService()
    return Predictor(estimator or _fit(), schema, masker=IdentifierMasker(lambda: service), score_decimals=1,
                     metrics=metrics, drift=drift), schema


@pytest.mark.control("coarse-answers")
def test_answer_is_a_label_and_a_score_rounded_to_one_decimal():
    predictor, schema = _predictor()

    answer = predictor.predict([schema.record.model_validate(VALID)])[0].model_dump()

    assert set(answer) == {"label", "score"} and answer["label"] in {"malignant", "benign"}
    assert 0.5 <= answer["score"] <= 1.0 and answer["score"] == round(answer["score"], 1)


@pytest.mark.control("coarse-answers")
def test_label_only_mode_returns_no_score():
    predictor, schema = _predictor(with_score=False)

    assert set(predictor.predict([schema.record.model_validate(VALID)])[0].model_dump()) == {"label"}


@pytest.mark.control("coarse-answers")
def test_identifiers_come_back_as_pseudonyms_and_never_reach_the_model():
    hmac = FakeHmacService()
    predictor, schema = _predictor(hmac=hmac)
    seen_by_model: list[np.ndarray] = []
    estimator = predictor._estimator
    original = estimator.predict_proba
    estimator.predict_proba = lambda x: seen_by_model.append(x) or original(x)

    answers = predictor.predict([schema.record.model_validate({**VALID, "patient_id": "P-000123"}),
                                 schema.record.model_validate(VALID)])

    assert answers[0].model_dump()["patient_id"] == hmac.pseudonym("P-000123")
    assert "patient_id" not in answers[1].model_dump()
    assert hmac.seen == [b"P-000123"] and seen_by_model[0].shape == (2, 5)


def test_masking_logs_in_again_once_when_vault_refuses():
    predictor, schema = _predictor(hmac=FakeHmacService(fail_first=True))

    answer = predictor.predict([schema.record.model_validate({**VALID, "patient_id": "P-1"})])[0]

    assert len(answer.model_dump()["patient_id"]) == 32


def test_model_trained_on_other_columns_is_refused():
    with pytest.raises(InputError, match="takes 3 features"):
        _predictor(_fit(n_features=3))


def test_drift_is_published_per_feature_and_rises_on_a_shifted_stream():
    metrics = RecordingMetrics()
    predictor, schema = _predictor(metrics=metrics)
    table = training_table(PATIENTS, seed=9)
    like_training = [schema.record.model_validate({n: float(table.column(n)[i].as_py()) for n in VALID})
                     for i in range(MIN_RECORDS * 2)]

    predictor.predict(like_training)
    stable = dict(metrics.drift)
    predictor.predict([schema.record.model_validate({**VALID, "mean_radius": 27.0})] * 100)

    assert set(stable) == set(VALID) and max(stable.values()) < 0.2
    assert metrics.drift["mean_radius"] > 1.0
    assert metrics.labels and set(metrics.labels) <= {"malignant", "benign"}


def test_identifiers_of_a_dataset_scoped_contract_come_back_as_that_datasets_pseudonyms():
    """The pipeline scoped the training data's pseudonyms to the contract: the service must too."""
    import pyarrow as pa

    from secure_mlops.privacy import Pseudonymizer

    hmac = FakeHmacService()
    masker = IdentifierMasker(lambda: hmac, scope="patients")

    assert masker.pseudonyms(["P-000123"]) == Pseudonymizer(hmac, scope="patients").pseudonymize(
        pa.array(["P-000123"])).to_pylist()
    assert masker.pseudonyms(["P-000123"]) != [hmac.pseudonym("P-000123")]
