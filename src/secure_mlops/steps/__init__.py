"""Pipeline steps as plain functions: what each KFP component calls, testable without KFP."""

from secure_mlops.steps.errors import FAILURE_MARKER, step_errors

__all__ = ["FAILURE_MARKER", "step_errors"]
