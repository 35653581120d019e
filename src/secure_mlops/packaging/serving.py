"""What the inference service does, kept out of `services/inference/service.py` (wiring only).

The input is typed and closed: the contract's feature columns and nothing else, finite numbers
in the contract's ranges. The output is coarse on purpose: the label and a score rounded to one
decimal. Full-precision scores are what model-inversion and membership-inference attacks feed
on; a tenth is enough for a caller to tell a confident answer from a coin toss.

This module runs inside the serving image, which installs only bentofile's `python.packages`
(no Vault, S3 or Kubernetes client); test_packaging_bento.py imports it under that constraint.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from secure_mlops.errors import InputError

MODEL_TAG_ENV = "SECURE_MLOPS_MODEL_TAG"
DEFAULT_MODEL_TAG = "secure-mlops-model:latest"
# The one file a packaged model directory holds besides BentoML's model.yaml.
MODEL_FILENAME = "model.skops"
SCORE_DECIMALS = 1


class PatientFeatures(BaseModel):
    """The feature columns of policies/data/patients.contract.yaml, in contract order.

    `hide_input_in_errors` keeps the submitted values out of validation errors, which BentoML
    would otherwise log in full (see DESIGN.md, section 5).
    """

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, hide_input_in_errors=True, frozen=True
    )

    mean_radius: float = Field(ge=0)
    mean_texture: float = Field(ge=0)
    mean_perimeter: float = Field(ge=0)
    mean_area: float = Field(ge=0)
    mean_smoothness: float = Field(ge=0, le=1)


FEATURE_NAMES: tuple[str, ...] = tuple(PatientFeatures.model_fields)


class Prediction(BaseModel):
    label: str
    score: float = Field(ge=0, le=1, description=f"rounded to {SCORE_DECIMALS} decimal")


class Classifier(Protocol):
    classes_: Any

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


def model_tag_from_env() -> str:
    """The BentoML model tag the service loads: SECURE_MLOPS_MODEL_TAG, set by the bento build
    and by the Kubernetes deployment to the exact version the signed manifest names."""
    return os.environ.get(MODEL_TAG_ENV) or DEFAULT_MODEL_TAG


def load_packaged_model(model_dir: Path) -> Classifier:
    """Load the skops file of a packaged model (never a pickle) and check it fits the input."""
    from secure_mlops.training import load_model  # deferred: scikit-learn is slow to import

    estimator: Classifier = load_model(Path(model_dir) / MODEL_FILENAME)
    if not hasattr(estimator, "predict_proba"):
        raise InputError("the packaged model has no predict_proba; a classifier is required")
    expected = getattr(estimator, "n_features_in_", len(FEATURE_NAMES))
    if expected != len(FEATURE_NAMES):
        raise InputError(
            f"the packaged model takes {expected} features but the service sends "
            f"{len(FEATURE_NAMES)} ({', '.join(FEATURE_NAMES)})",
            hint="package a model trained on the patients contract's feature columns",
        )
    return estimator


def predict_coarse(estimator: Classifier, features: PatientFeatures) -> Prediction:
    """The most likely label and its probability rounded to one decimal."""
    row = np.array([[getattr(features, name) for name in FEATURE_NAMES]], dtype=float)
    probabilities = estimator.predict_proba(row)[0]
    best = int(np.argmax(probabilities))
    score = round(float(probabilities[best]), SCORE_DECIMALS)
    return Prediction(label=str(estimator.classes_[best]), score=score)
