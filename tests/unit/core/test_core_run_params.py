"""Pipeline parameters are checked before a run starts, each bad one in one line."""

from __future__ import annotations

from typing import Any

import pytest

from secure_mlops.errors import InputError
from secure_mlops.orchestration.params import check_params, parse_params, pipeline_defaults


@pytest.fixture(scope="module")
def pipeline() -> Any:
    from pipelines.secure_pipeline import build_pipeline

    return build_pipeline(cluster=False)


def test_an_unknown_model_type_is_refused_naming_the_known_ones(pipeline: Any) -> None:
    from secure_mlops.training.train import MODEL_TYPES

    with pytest.raises(InputError) as caught:
        parse_params(["model_type=xgboost"], pipeline)
    assert "'xgboost'" in str(caught.value) and all(name in str(caught.value) for name in MODEL_TYPES)
    assert "\n" not in str(caught.value)


def test_every_model_type_of_the_training_code_is_accepted(pipeline: Any) -> None:
    from secure_mlops.training.train import MODEL_TYPES

    for name in MODEL_TYPES:
        assert parse_params([f"model_type={name}"], pipeline) == {"model_type": name}


@pytest.mark.parametrize(("raw", "says"), [("{C: 1}", "not valid JSON"), ("[1, 2]", "a JSON object, not a list"),
                                           ("0.5", "a JSON object, not a float")])
def test_model_params_must_be_a_json_object(pipeline: Any, raw: str, says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_params([f"model_params={raw}"], pipeline)
    assert parse_params(['model_params={"C": 0.5}'], pipeline) == {"model_params": '{"C": 0.5}'}


@pytest.mark.parametrize("pair", ["max_membership_advantage=0", "max_membership_advantage=1.5",
                                  "max_membership_advantage=nan", "psi_threshold=0", "psi_threshold=-1",
                                  "k=-1", "seed=-3", "pseudonym_key_version=-1"])
def test_thresholds_out_of_range_are_refused(pipeline: Any, pair: str) -> None:
    with pytest.raises(InputError, match=rf"^--param {pair.split('=')[0]} must be"):
        parse_params([pair], pipeline)


def test_quality_minimums_are_fractions_when_the_pipeline_has_them() -> None:
    check_params({"min_roc_auc": 0.0, "min_recall": 1.0})
    for name in ("min_roc_auc", "min_recall"):
        with pytest.raises(InputError, match=rf"^--param {name} must be in \[0, 1\]"):
            check_params({name: 1.2})


def test_defaults_are_the_pipelines_own_and_pass_the_checks(pipeline: Any) -> None:
    defaults = pipeline_defaults(pipeline)
    assert defaults["model_type"] == "logistic_regression" and defaults["max_membership_advantage"] > 0
    check_params(defaults)


@pytest.mark.parametrize(("pairs", "says"), [
    (["dp_epsilon=-1"], "dp_epsilon must be a number above 0"),
    (["dp_epsilon=nan"], "dp_epsilon must be a number above 0"),
    (["dp_epsilon=1", "model_type=random_forest"], "dp_epsilon is supported for logistic_regression, not random_forest"),
])
def test_a_differential_privacy_request_the_training_cannot_honour_is_refused_before_the_run(
        pipeline: Any, pairs: list[str], says: str) -> None:
    with pytest.raises(InputError, match=says):
        parse_params(pairs, pipeline)
    assert parse_params(["dp_epsilon=0"], pipeline) == {"dp_epsilon": 0.0}  # 0: no differential privacy
