"""Pipeline steps as plain functions: what each KFP component calls, testable without KFP.

They must not import KFP, and leave no plaintext data behind: datasets are written as
ciphertext, plaintext stays in memory or in a scratch folder that is removed, and a project
error fails the step with one value-free line (`step_errors`) rather than a traceback.
"""

from secure_mlops.steps.data import minimize_shard
from secure_mlops.steps.errors import FAILURE_MARKER, step_errors
from secure_mlops.steps.model import privacy_audit, train
from secure_mlops.steps.publish import publish_dataset
from secure_mlops.steps.record import record_run
from secure_mlops.steps.release import deploy, package
from secure_mlops.steps.sources import plan_shards
from secure_mlops.steps.validate import validate_shard

# One name per step, from the KFP component (pipelines/components) to the function here and to
# the label of its failure line (`step_errors`), which is the component's name with hyphens.
__all__ = [
    "FAILURE_MARKER",
    "deploy",
    "minimize_shard",
    "package",
    "plan_shards",
    "privacy_audit",
    "publish_dataset",
    "record_run",
    "step_errors",
    "train",
    "validate_shard",
]
