"""Model components: train (metrics and curves for the KFP UI), then the privacy audit."""

from kfp.dsl import ClassificationMetrics, Dataset, Input, Markdown, Metrics, Model, Output

from pipelines.components.image import step_component


@step_component
def train(
    dataset: Input[Dataset], contract_path: str, seed: int, model_type: str, model_params: str,
    min_roc_auc: float, min_recall: float, dp_epsilon: float, audit_uri: str, run_id: str,
    model: Output[Model], metrics: Output[Metrics], classification: Output[ClassificationMetrics],
) -> None:
    """Decrypt the dataset in memory, train a scikit-learn model (differentially private when
    dp_epsilon > 0, its ε reserved first in the dataset's privacy budget in the audit store), log
    held-out metrics; the run stops here over budget or below the quality gate's minimums."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.steps.model import PrivateTraining
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("train"), contract_file(contract_path, get_settings()) as contract:
        private = PrivateTraining(
            epsilon=dp_epsilon, budget_store=audit_uri, dataset_digest=dataset.metadata["plaintext_sha256"], run_id=run_id,
        ) if dp_epsilon else None
        trained = steps.train(
            Path(dataset.path), dataset.metadata["context"], contract, Path(model.path),
            seed=seed, model_type=model_type, model_params=model_params, settings=get_settings(),
            min_roc_auc=min_roc_auc, min_recall=min_recall, private=private,
        )
    for name, value in trained.metrics.items():
        metrics.log_metric(name, round(value, 4))
    for name, value in (trained.privacy or {}).items():
        metrics.log_metric(name, value)
    if trained.privacy:
        print(f"differential privacy: ε {trained.privacy['dp_epsilon']:g} (δ 0) spent; "
              f"{trained.privacy['privacy_budget_spent']:g} of the dataset's {trained.privacy['privacy_budget_total']:g}")
    # Exact duplicates were kept on one side of the split; how many says how much that mattered.
    metrics.log_metric("duplicate_rows", trained.duplicate_rows)
    metrics.log_metric("duplicate_groups", trained.duplicate_groups)
    print(f"train/test split: {trained.duplicate_rows} exact duplicate rows in {trained.duplicate_groups} groups, "
          "each group kept on one side")
    classification.log_confusion_matrix(trained.classes, trained.confusion_matrix)
    classification.log_roc_curve(trained.roc_fpr, trained.roc_tpr, trained.roc_thresholds)
    model.metadata.update(format="skops", framework="scikit-learn", model_type=model_type, seed=seed,
                          dataset_sha256=dataset.metadata["sha256"], **(trained.privacy or {}))


@step_component
def privacy_audit(
    dataset: Input[Dataset], model: Input[Model], contract_path: str, seed: int, model_type: str,
    max_membership_advantage: float, audit: Output[Metrics], model_card: Output[Markdown],
) -> None:
    """Membership-inference attack on the trained model; the run stops here above the threshold."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("privacy-audit"), contract_file(contract_path, get_settings()) as contract:
        result = steps.privacy_audit(
            Path(dataset.path), dataset.metadata["context"], Path(model.path), contract,
            Path(model_card.path), data_digest=dataset.metadata["sha256"], seed=seed, model_type=model_type,
            max_advantage=max_membership_advantage, settings=get_settings(),
            k_achieved=int(dataset.metadata.get("k_achieved") or 0) or None,  # KFP keeps numbers as floats
            trained=dict(model.metadata),
        )
    audit.log_metric("membership_advantage", round(result.advantage, 4))
    audit.log_metric("attack_auc", round(result.attack_auc, 4))
    audit.log_metric("noise_floor", round(result.noise_floor, 4))
    audit.log_metric("membership_advantage_lower_bound", round(result.lower_bound, 4))
    audit.log_metric("max_membership_advantage", result.max_advantage)
    audit.log_metric("audit_rows_per_side", result.members)
