"""What every pipeline output holds, as it lands in the pipeline root (on a cluster, the lake's
artifacts/ prefix, encrypted at rest with the lake's KMS key like everything there).

Each output is one of two kinds, and the tests hold every run to it:
- ciphertext: envelope-encrypted under a Vault data key before it leaves the step; readable only
  through Vault, whoever can read the bucket.
- non-personal: holds no value of any person's record (counts, aggregates, model weights whose
  membership leakage the privacy audit bounds, signed digests, rendered manifests).

A new output without a line here fails tests/unit/pipelines/test_pipeline_artifacts.py.
"""

from __future__ import annotations

from enum import StrEnum


class Holds(StrEnum):
    CIPHERTEXT = "ciphertext"
    NON_PERSONAL = "non-personal"


# (component, output) -> what it holds, and why that is so.
ARTIFACTS: dict[tuple[str, str], tuple[Holds, str]] = {
    ("minimize-shard", "dataset"): (Holds.CIPHERTEXT, "the minimized shard, encrypted in the step"),
    ("minimize-shard", "report"): (Holds.NON_PERSONAL, "column actions and k-anonymity counts"),
    ("validate-shard", "validated"): (Holds.CIPHERTEXT, "the shard that passed validation, re-encrypted"),
    ("validate-shard", "report"): (Holds.NON_PERSONAL, "expectation results by column, without sample values"),
    ("publish-dataset", "dataset"): (Holds.CIPHERTEXT, "the training dataset, encrypted"),
    ("publish-dataset", "profile"): (Holds.NON_PERSONAL, "per-feature aggregates of a k-anonymous dataset"),
    ("train", "model"): (Holds.NON_PERSONAL, "model weights; the privacy audit bounds what they reveal about members"),
    ("train", "metrics"): (Holds.NON_PERSONAL, "held-out scores"),
    ("train", "classification"): (Holds.NON_PERSONAL, "confusion matrix and ROC curve: counts and rates"),
    ("privacy-audit", "audit"): (Holds.NON_PERSONAL, "membership-inference advantage and its threshold"),
    ("privacy-audit", "model_card"): (Holds.NON_PERSONAL, "the model card: purpose, metrics, privacy results"),
    ("package", "bento"): (Holds.NON_PERSONAL, "the model, the contract and the profile, signed"),
    ("package", "manifest"): (Holds.NON_PERSONAL, "the signed provenance manifest: digests and versions"),
    ("deploy", "manifests"): (Holds.NON_PERSONAL, "the rendered Kubernetes manifests"),
}
