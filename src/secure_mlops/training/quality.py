"""The quality gate: held-out metrics a model must reach before it is packaged, signed and deployed.

Without it a churn model with recall 0.08 and ROC AUC 0.57 went all the way to a deployable
bento. The defaults are floors for "better than useless", not targets, since what is good enough
depends on the use:
- ROC AUC 0.7: 0.5 is a coin toss, and 0.7 is the usual lower edge of acceptable discrimination
  (Hosmer and Lemeshow); a model below it ranks cases barely better than chance.
- recall 0.5 on the positive class (the contract label's first allowed value, e.g. `malignant` or
  churners): a model that misses most of the cases it exists to find should not ship, however
  good its accuracy on the majority class.
A minimum of 0 switches that metric's check off.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from secure_mlops.errors import InputError, ValidationFailed

DEFAULT_MIN_ROC_AUC = 0.7
DEFAULT_MIN_RECALL = 0.5


def check_quality(metrics: Mapping[str, float], minimums: Mapping[str, float]) -> None:
    """Raise `ValidationFailed` naming every metric of `metrics` below its minimum in `minimums`
    (metric name -> minimum; 0 disables); `InputError` for a minimum outside [0, 1] or of an
    unknown metric."""
    for name, minimum in minimums.items():
        if not (math.isfinite(minimum) and 0 <= minimum <= 1):
            raise InputError(f"min_{name} must be between 0 and 1, not {minimum}")
        if name not in metrics:
            raise InputError(f"min_{name}: training reports no metric {name!r}", hint=f"known: {', '.join(metrics)}")
    below = [f"{name} {metrics[name]:.3f} is below the minimum {minimum:.3f}"
             for name, minimum in minimums.items() if minimum > 0 and metrics[name] < minimum]
    if below:
        raise ValidationFailed(
            "quality gate failed: held-out " + "; ".join(below),
            hint="improve the model or the data; lower the minimum (0 disables it) only if the use allows",
        )
