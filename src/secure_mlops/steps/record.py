"""The record-run step: the run's signed manifest and summary appended to the audit store."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from secure_mlops.audit.records import record_run as append_record
from secure_mlops.packaging import load_signed_manifest
from secure_mlops.storage import read_file


def record_run(
    manifest_file: Path,
    *,
    store_uri: str,
    run_id: str,
    parameters: Mapping[str, Any],
    dataset: Mapping[str, Any],
    privacy: Mapping[str, float],
    metrics: Mapping[str, float],
    deployed: Mapping[str, Any],
) -> str:
    """Append the run to the audit store at `store_uri`; returns where the record is.

    `dataset`, `privacy`, `metrics` and `deployed` are the (value-free) metadata of the published
    dataset, the privacy audit, the training metrics and the deploy step's output. Each gate's
    result is stated with its threshold, so the record says why the run passed, not only that it did.
    """
    raw = read_file(manifest_file, "the signed manifest")
    signed = load_signed_manifest(manifest_file).manifest
    advantage, max_advantage = float(privacy["membership_advantage"]), float(privacy["max_membership_advantage"])
    # The gate judges the advantage less its sampling noise (training/membership.py).
    lower_bound = float(privacy["membership_advantage_lower_bound"])
    summary = {
        "triggered_by": signed["run"]["triggered_by"],
        "parameters": dict(parameters),
        "gates": {
            "k_anonymity": {"required": int(dataset["k_required"]), "achieved": int(dataset["k_achieved"]),
                            "passed": int(dataset["k_achieved"]) >= int(dataset["k_required"])},
            "validation": {"checks": int(dataset["checks"]), "failed": 0, "shards": int(dataset["shards"]),
                           "passed": True},
            "membership_inference": {"advantage": advantage, "lower_bound": lower_bound,
                                     "max_advantage": max_advantage, "passed": lower_bound <= max_advantage},
            "quality": {"min_roc_auc": parameters.get("min_roc_auc"), "min_recall": parameters.get("min_recall"),
                        "roc_auc": metrics.get("roc_auc"), "recall": metrics.get("recall"), "passed": True},
        },
        "differential_privacy": _differential_privacy(metrics),
        "metrics": dict(metrics),
        "keys": signed["keys"],
        "contract": signed["data"]["contract"],
        "data": {"rows": int(dataset["rows"]), "plaintext_sha256": dataset["plaintext_sha256"],
                 "ciphertext_sha256": dataset["sha256"]},
        "release": {"bento": signed["bento"]["tag"], "model_digest": signed["model"]["digest"],
                    "sequence": signed["release"]["sequence"], "applied": int(deployed.get("applied", 0)),
                    "published": deployed.get("published", "")},
    }
    return append_record(store_uri, run_id, raw, summary)


def _differential_privacy(metrics: Mapping[str, float]) -> dict[str, Any] | None:
    """ε and δ of a DP run and the dataset's budget once this run reserved its ε; None without DP."""
    if "dp_epsilon" not in metrics:
        return None
    return {"epsilon": float(metrics["dp_epsilon"]), "delta": float(metrics["dp_delta"]),
            "budget_total": float(metrics["privacy_budget_total"]),
            "budget_spent": float(metrics["privacy_budget_spent"])}
