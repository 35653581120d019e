"""Thin, typed KFP components. Each imports `secure_mlops` inside its function (the code runs in
the project image on a cluster, or in this venv with kfp.local) and holds no logic of its own."""

from pipelines.components.data import minimize_shard, plan_shards, publish_dataset, validate_shard
from pipelines.components.model import privacy_audit, train
from pipelines.components.release import deploy, package

__all__ = [
    "deploy",
    "minimize_shard",
    "package",
    "plan_shards",
    "privacy_audit",
    "publish_dataset",
    "train",
    "validate_shard",
]
