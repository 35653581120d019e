"""Pipeline steps on the model: train, then audit it for membership inference (and card it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.errors import InputError
from secure_mlops.privacy import load_contract
from secure_mlops.steps.data import read_dataset
from secure_mlops.storage import write_atomically


@dataclass(frozen=True)
class Trained:
    metrics: dict[str, float]
    classes: list[str]
    confusion_matrix: list[list[int]]
    roc_fpr: list[float]
    roc_tpr: list[float]
    roc_thresholds: list[float]
    duplicate_rows: int = 0
    duplicate_groups: int = 0


@dataclass(frozen=True)
class Audited:
    advantage: float
    attack_auc: float
    noise_floor: float
    max_advantage: float
    members: int
    lower_bound: float = 0.0


def train(
    dataset: Path,
    context: str,
    contract_path: Path,
    model_output: Path,
    *,
    seed: int,
    model_type: str,
    model_params: str,
    settings: Settings,
    min_roc_auc: float = 0.0,
    min_recall: float = 0.0,
) -> Trained:
    """Decrypt the dataset into memory, fit the model, check the quality gate, save it with skops
    (no pickle).

    `model_params` is a JSON object of the classifier's hyperparameters, e.g. '{"C": 0.5}'. A
    held-out ROC AUC or recall below `min_roc_auc` or `min_recall` (0: no minimum) raises
    `ValidationFailed` before the model is saved, so nothing is left to package.
    """
    from secure_mlops.training import save_model, train_model
    from secure_mlops.training.quality import check_quality

    params = _json_object(model_params, "model_params")
    result = train_model(
        read_dataset(dataset, context, settings), load_contract(contract_path), seed=seed, model_type=model_type, params=params
    )
    check_quality(result.metrics, {"roc_auc": min_roc_auc, "recall": min_recall})
    save_model(result.estimator, model_output)
    return Trained(
        result.metrics, result.classes, result.confusion_matrix, result.roc.fpr, result.roc.tpr, result.roc.thresholds,
        duplicate_rows=result.duplicate_rows, duplicate_groups=result.duplicate_groups,
    )


def privacy_audit(
    dataset: Path,
    context: str,
    model_file: Path,
    contract_path: Path,
    card_output: Path,
    *,
    data_digest: str,
    seed: int,
    model_type: str,
    max_advantage: float,
    settings: Settings,
    k_achieved: int | None = None,
) -> Audited:
    """Attack the saved model with the loss-threshold membership test; fail above the threshold.

    The model card is written either way, so a failed run still documents why; `k_achieved` (the
    published dataset's weakest k) is stated on it next to the contract's k.
    """
    from secure_mlops.errors import PrivacyError
    from secure_mlops.training import (
        audit_membership,
        evaluate_model,
        load_model,
        membership_advantage,
        model_card,
    )

    contract = load_contract(contract_path)
    result = evaluate_model(
        load_model(model_file), read_dataset(dataset, context, settings), contract, seed=seed, model_type=model_type
    )
    try:
        audit = audit_membership(result, max_advantage=max_advantage)
    except PrivacyError:
        _write_card(card_output, model_card(result, membership_advantage(result), contract=contract,
                                            data_digest=data_digest, model_name=model_type, k_achieved=k_achieved))
        raise
    _write_card(card_output, model_card(result, audit, contract=contract, data_digest=data_digest, model_name=model_type,
                                        k_achieved=k_achieved))
    return Audited(audit.advantage, audit.attack_auc, audit.noise_floor, max_advantage, audit.members, audit.lower_bound)


def _json_object(text: str, name: str) -> dict[str, object]:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise InputError(f"{name} must be a JSON object, e.g. '{{\"C\": 0.5}}'")
    return value


def _write_card(path: Path, text: str) -> None:
    write_atomically(path, text)
