"""Differentially private training: bounds from the contract only, clipping, a plain scikit-learn
model out, noise that no seed replays, and nothing touched before every check has passed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import MinMaxScaler

from secure_mlops.errors import InputError
from secure_mlops.privacy import DataContract
from secure_mlops.training import load_model, save_model, train_model
from secure_mlops.training.private import check_epsilon, feature_bounds, fit_private

FEATURES = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness"]


def _with(contract: DataContract, dp: dict[str, Any] | None) -> DataContract:
    data = contract.model_dump(exclude_unset=True)
    data["differential_privacy"] = dp
    return DataContract.model_validate(data)


def test_bounds_come_from_the_contract_section_then_the_columns_min_and_max(contract: DataContract) -> None:
    low, high = feature_bounds(contract, FEATURES)
    assert low.tolist() == [6, 9, 40, 140, 0.05] and high.tolist() == [29, 40, 190, 2510, 0.17]
    # Without a bound of its own, mean_smoothness falls back to its column's min and max (0, 1).
    partial = _with(contract, {"total_epsilon": 1, "bounds": {"mean_radius": [6, 29]}})
    with pytest.raises(InputError) as error:
        feature_bounds(partial, FEATURES)
    message = str(error.value)
    assert "mean_texture, mean_perimeter, mean_area" in message and "mean_smoothness" not in message
    assert "differential_privacy.bounds" in message
    assert feature_bounds(partial, ["mean_radius", "mean_smoothness"])[1].tolist() == [29, 1]


@pytest.mark.parametrize(("dp", "complaint"), [
    ({"total_epsilon": 0}, "greater than 0"),
    ({"total_epsilon": 1, "bounds": {"mean_radius": [5, 5]}}, "low bound must be below"),
    ({"total_epsilon": 1, "bounds": {"sex": [0, 1]}}, "'sex' is not a kept integer or float feature"),
    ({"total_epsilon": 1, "bounds": {"no_such_column": [0, 1]}}, "is not a kept integer or float feature"),
    ({"total_epsilon": 1, "budget": 2}, "Extra inputs"),
])
def test_a_malformed_privacy_section_is_refused_naming_the_field(contract: DataContract, dp: dict[str, Any],
                                                                 complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        _with(contract, dp)


def test_the_section_is_in_the_digest_only_when_present(contract: DataContract) -> None:
    without = _with(contract, None)
    assert without.digest() != contract.digest()
    assert _with(contract, {"total_epsilon": 2.0, "bounds": {}}).digest() != without.digest()


@pytest.mark.parametrize("epsilon", [0.0, -1.0, float("nan"), float("inf")])
def test_epsilon_must_be_a_finite_number_above_zero(epsilon: float) -> None:
    with pytest.raises(InputError, match="dp_epsilon must be a number above 0"):
        check_epsilon(epsilon)


def test_the_private_model_is_plain_scikit_learn_clips_to_the_bounds_and_saves_with_skops(
        table: pa.Table, contract: DataContract, tmp_path: Path) -> None:
    result = train_model(table, contract, seed=0, dp_epsilon=1.0)
    clip, model = (step for _, step in result.estimator.steps)
    assert type(clip) is MinMaxScaler and type(model) is LogisticRegression  # not diffprivlib's class
    assert result.privacy is not None and (result.privacy.epsilon, result.privacy.delta) == (1.0, 0.0)
    low, high = feature_bounds(contract, FEATURES)
    far = np.vstack([low - 1000, high + 1000])
    assert np.allclose(result.estimator.predict_proba(far), result.estimator.predict_proba(np.vstack([low, high])))
    save_model(result.estimator, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    assert np.array_equal(loaded.predict_proba(result.test.x), result.estimator.predict_proba(result.test.x))


def test_values_outside_the_bounds_are_counted_never_shown(table: pa.Table, contract: DataContract) -> None:
    narrow = _with(contract, {"total_epsilon": 3, "bounds": {"mean_radius": [10, 12], "mean_texture": [9, 40],
                                                              "mean_perimeter": [40, 190], "mean_area": [140, 2510],
                                                              "mean_smoothness": [0.05, 0.17]}})
    result = train_model(table, narrow, seed=0, dp_epsilon=1.0)
    radius = result.train.x[:, 0]
    assert result.privacy.clipped_values == int(((radius < 10) | (radius > 12)).sum()) > 0


def test_the_noise_is_not_replayed_by_the_seed(table: pa.Table, contract: DataContract) -> None:
    first = train_model(table, contract, seed=0, dp_epsilon=1.0).estimator.named_steps["model"].coef_
    second = train_model(table, contract, seed=0, dp_epsilon=1.0).estimator.named_steps["model"].coef_
    assert not np.array_equal(first, second)


def test_less_privacy_means_less_noise(table: pa.Table, contract: DataContract) -> None:
    def spread(epsilon: float) -> float:
        coefs = [train_model(table, contract, seed=0, dp_epsilon=epsilon).estimator.named_steps["model"].coef_
                 for _ in range(15)]
        return float(np.std(np.vstack(coefs), axis=0).mean())

    assert spread(0.5) > 3 * spread(50.0)


@pytest.mark.parametrize(("model_type", "params", "complaint"), [
    ("random_forest", {}, "dp_epsilon is supported for logistic_regression, not random_forest"),
    ("logistic_regression", {"penalty": "l1"}, "has no parameter penalty"),
    ("logistic_regression", {"C": -1}, "'C' parameter"),
    ("logistic_regression", {"max_iter": "many"}, "'max_iter' parameter"),
])
def test_a_bad_request_is_refused_before_the_data_is_touched(model_type: str, params: dict[str, Any],
                                                             complaint: str) -> None:
    called: list[object] = []
    x, y = np.zeros((4, 2)), np.array(["a", "b", "a", "b"])
    with pytest.raises(InputError, match=complaint):
        fit_private(model_type, x, y, epsilon=1.0, bounds=(np.zeros(2), np.ones(2)), params=params,
                    before_fit=called.append)
    assert not called


def test_a_refusal_before_the_fit_stops_it(table: pa.Table, contract: DataContract) -> None:
    class Refused(Exception):
        pass

    def refuse(guarantee: object) -> None:
        raise Refused

    with pytest.raises(Refused):
        train_model(table, contract, seed=0, dp_epsilon=1.0, before_fit=refuse)


def test_a_contract_without_a_budget_or_bounds_is_refused_before_a_private_run(contract: DataContract) -> None:
    from secure_mlops.training.private import privacy_budget

    assert privacy_budget(contract) == 3.0
    with pytest.raises(InputError, match="contract 'patients' sets no privacy budget"):
        privacy_budget(_with(contract, None))
    with pytest.raises(InputError, match="needs bounds for features mean_radius, mean_texture"):
        privacy_budget(_with(contract, {"total_epsilon": 1}))


def test_run_refuses_a_private_run_on_a_contract_without_a_budget_before_any_step(tmp_path: Path) -> None:
    from tests.support import churn
    from tests.support.cli import clean_env, run_cli

    contract = churn.write_contract(tmp_path / "churn.contract.yaml")
    result = run_cli("run", "--contract", contract, "--param", "dp_epsilon=1",
                     env=clean_env(SECURE_MLOPS_STATE_DIR=str(tmp_path / "state")))
    assert result.returncode == 4, result.stdout + result.stderr
    assert "contract 'churn' sets no privacy budget" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "state" / "pipeline-root").exists()
