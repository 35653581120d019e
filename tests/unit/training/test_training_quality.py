"""The quality gate: a model below a minimum held-out metric fails with one line naming it."""

from __future__ import annotations

import pytest

from secure_mlops.errors import InputError, ValidationFailed
from secure_mlops.training.quality import DEFAULT_MIN_RECALL, DEFAULT_MIN_ROC_AUC, check_quality

WEAK = {"accuracy": 0.74, "recall": 0.08, "roc_auc": 0.57}  # the churn model that was once packaged


def test_a_metric_below_its_minimum_fails_naming_the_metric_its_value_and_the_minimum() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_quality(WEAK, {"roc_auc": DEFAULT_MIN_ROC_AUC, "recall": 0})
    assert caught.value.message == "quality gate failed: held-out roc_auc 0.570 is below the minimum 0.700"
    assert "\n" not in str(caught.value)


def test_every_metric_below_its_minimum_is_named_in_the_one_line() -> None:
    with pytest.raises(ValidationFailed, match=r"roc_auc 0\.570 is below the minimum 0\.700; recall 0\.080 is below "
                                               r"the minimum 0\.500"):
        check_quality(WEAK, {"roc_auc": DEFAULT_MIN_ROC_AUC, "recall": DEFAULT_MIN_RECALL})


def test_metrics_at_or_above_their_minimums_and_disabled_minimums_pass() -> None:
    check_quality({"roc_auc": 0.7, "recall": 0.5}, {"roc_auc": DEFAULT_MIN_ROC_AUC, "recall": DEFAULT_MIN_RECALL})
    check_quality(WEAK, {"roc_auc": 0, "recall": 0})


@pytest.mark.parametrize(("minimums", "message"), [
    ({"roc_auc": 1.5}, "min_roc_auc must be between 0 and 1, not 1.5"),
    ({"roc_auc": float("nan")}, "min_roc_auc must be between 0 and 1"),
    ({"brier": 0.2}, "min_brier: training reports no metric 'brier'"),
])
def test_a_minimum_out_of_range_or_of_an_unknown_metric_is_an_input_error(minimums: dict[str, float],
                                                                           message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_quality(WEAK, minimums)
