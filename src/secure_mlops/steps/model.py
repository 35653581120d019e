"""Pipeline steps on the model: train, then audit it for membership inference (and card it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secure_mlops.config import Settings
from secure_mlops.errors import InputError, ValidationFailed
from secure_mlops.privacy import DataContract, load_contract
from secure_mlops.steps.data import read_dataset
from secure_mlops.storage import write_atomically

if TYPE_CHECKING:
    import pyarrow as pa

    from secure_mlops.audit.budget import Spend
    from secure_mlops.training import MembershipAudit, TrainResult
    from secure_mlops.training.private import PrivacyStatement


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
    privacy: dict[str, float] | None = None
    """Under differential privacy: ε, δ, the values clipped, and the dataset's budget."""


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
    private: PrivateTraining | None = None,
) -> Trained:
    """Decrypt the dataset into memory, fit the model, check the quality gate, save it with skops
    (no pickle).

    `model_params` is a JSON object of the classifier's hyperparameters, e.g. '{"C": 0.5}'. A
    held-out ROC AUC or recall below `min_roc_auc` or `min_recall` (0: no minimum) raises
    `ValidationFailed` before the model is saved, so nothing is left to package. With `private`
    the model is differentially private, and its ε is reserved in the dataset's privacy budget
    before it is fitted (`PrivacyError` when the contract's budget would be exceeded).
    """
    from secure_mlops.training import save_model, train_model
    from secure_mlops.training.quality import check_quality

    params = _json_object(model_params, "model_params")
    contract = load_contract(contract_path)
    table = read_dataset(dataset, context, settings)
    if private is None:
        result, spent = train_model(table, contract, seed=seed, model_type=model_type, params=params), None
    else:
        result, spent = _train_private(table, contract, private, seed=seed, model_type=model_type, params=params)
    try:
        check_quality(result.metrics, {"roc_auc": min_roc_auc, "recall": min_recall})
    except ValidationFailed as failed:
        if result.privacy is None:
            raise
        raise ValidationFailed(failed.message, hint=(
            f"the model is differentially private at ε {result.privacy.epsilon:g}, and its noise costs accuracy: a "
            "larger dp_epsilon or tighter bounds in the contract help (benchmarks/bench_privacy.py); this run's ε "
            "is spent")) from None
    save_model(result.estimator, model_output)
    return Trained(
        result.metrics, result.classes, result.confusion_matrix, result.roc.fpr, result.roc.tpr, result.roc.thresholds,
        duplicate_rows=result.duplicate_rows, duplicate_groups=result.duplicate_groups,
        privacy=None if result.privacy is None or spent is None else {
            "dp_epsilon": result.privacy.epsilon, "dp_delta": result.privacy.delta,
            "dp_clipped_values": result.privacy.clipped_values,
            "privacy_budget_total": spent.total_epsilon, "privacy_budget_spent": spent.spent_epsilon,
        },
    )


@dataclass(frozen=True)
class PrivateTraining:
    """A differentially private run: its ε, and where its dataset's budget is kept."""

    epsilon: float
    budget_store: str  # the audit store
    dataset_digest: str  # sha256 of the minimized plaintext: the budget follows the data
    run_id: str


def _train_private(table: pa.Table, contract: DataContract, private: PrivateTraining, *, seed: int, model_type: str,
                   params: Mapping[str, Any]) -> tuple[TrainResult, Spend]:
    """Train with differential privacy, the ε reserved in the dataset's budget right before the fit."""
    from secure_mlops.audit.budget import spend_budget
    from secure_mlops.training import train_model
    from secure_mlops.training.private import PrivacyGuarantee, check_epsilon, privacy_budget

    check_epsilon(private.epsilon)
    total = privacy_budget(contract)
    spent: list[Spend] = []

    def reserve(guarantee: PrivacyGuarantee) -> None:
        spent.append(spend_budget(
            private.budget_store, contract_name=contract.name, dataset_digest=private.dataset_digest,
            epsilon=guarantee.epsilon, delta=guarantee.delta, total_epsilon=total, run_id=private.run_id,
            details={"contract_version": contract.version, "model_type": model_type, "mechanism": guarantee.mechanism},
        ))

    result = train_model(table, contract, seed=seed, model_type=model_type, params=params,
                         dp_epsilon=private.epsilon, before_fit=reserve)
    return result, spent[0]


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
    trained: Mapping[str, Any] | None = None,
) -> Audited:
    """Attack the saved model with the loss-threshold membership test; fail above the threshold.

    The model card is written either way, so a failed run still documents why; `k_achieved` (the
    published dataset's weakest k) is stated on it next to the contract's k. `trained` is the
    model's metadata from the train step: under differential privacy it holds ε, δ and the
    budget, and the card then compares the model with a reference trained without privacy.
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
    table = read_dataset(dataset, context, settings)
    result = evaluate_model(load_model(model_file), table, contract, seed=seed, model_type=model_type)

    def card(audit: MembershipAudit) -> str:
        dp = _privacy_statement(trained or {}, result, audit, table, contract, seed, model_type)
        return model_card(result, audit, contract=contract, data_digest=data_digest, model_name=model_type,
                          k_achieved=k_achieved, dp=dp)

    try:
        audit = audit_membership(result, max_advantage=max_advantage)
    except PrivacyError:
        _write_card(card_output, card(membership_advantage(result)))
        raise
    _write_card(card_output, card(audit))
    return Audited(audit.advantage, audit.attack_auc, audit.noise_floor, max_advantage, audit.members, audit.lower_bound)


def _privacy_statement(trained: Mapping[str, Any], result: TrainResult, audit: MembershipAudit, table: pa.Table,
                       contract: DataContract, seed: int, model_type: str) -> PrivacyStatement | None:
    from secure_mlops.training import membership_advantage, train_model
    from secure_mlops.training.private import PrivacyStatement, UtilityRow, guarantee_of

    guarantee = guarantee_of(trained)
    if guarantee is None:
        return None
    # The reference shows what privacy cost: same split and seed, no noise, never saved or released.
    reference = train_model(table, contract, seed=seed, model_type=model_type)
    rows = tuple(
        UtilityRow(label, epsilon, r.metrics["accuracy"], r.metrics["roc_auc"], a.advantage)
        for label, epsilon, r, a in (
            ("this model", guarantee.epsilon, result, audit),
            ("reference without differential privacy", None, reference, membership_advantage(reference)),
        )
    )
    return PrivacyStatement(guarantee, budget_spent=float(trained.get("privacy_budget_spent", guarantee.epsilon)),
                            budget_total=float(trained.get("privacy_budget_total", guarantee.epsilon)), utility=rows)


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
