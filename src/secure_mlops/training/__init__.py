"""Training on minimized data: contract features only, held-out metrics for the KFP UI, a
membership-inference audit that fails the run above a threshold, a model card, and model files
in the skops format. Nothing returned or logged carries a row value; quasi-identifiers and
pseudonyms are never model inputs, and models are never saved or loaded with pickle.
"""

from __future__ import annotations

from secure_mlops.training.features import Dataset, feature_columns, load_dataset
from secure_mlops.training.membership import (
    DEFAULT_MAX_ADVANTAGE,
    MembershipAudit,
    audit_membership,
    membership_advantage,
)
from secure_mlops.training.metrics import MAX_ROC_POINTS, RocCurve
from secure_mlops.training.model_card import model_card
from secure_mlops.training.persistence import ALLOWED_TYPES, load_model, save_model
from secure_mlops.training.train import MODEL_TYPES, TrainResult, evaluate_model, train_model

__all__ = [
    "ALLOWED_TYPES",
    "DEFAULT_MAX_ADVANTAGE",
    "MAX_ROC_POINTS",
    "MODEL_TYPES",
    "Dataset",
    "MembershipAudit",
    "RocCurve",
    "TrainResult",
    "audit_membership",
    "evaluate_model",
    "feature_columns",
    "load_dataset",
    "load_model",
    "membership_advantage",
    "model_card",
    "save_model",
    "train_model",
]
