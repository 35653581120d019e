"""Pipeline steps as plain functions: what each KFP component calls, testable without KFP.

They must not import KFP, and leave no plaintext data behind: datasets are written as
ciphertext, plaintext stays in memory or in a scratch folder that is removed, and a project
error fails the step with one value-free line (`step_errors`) rather than a traceback.
"""

from secure_mlops.steps.errors import FAILURE_MARKER, step_errors

__all__ = ["FAILURE_MARKER", "step_errors"]
