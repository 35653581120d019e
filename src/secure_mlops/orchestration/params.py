"""`--param name=value` parsing, checked against the pipeline's own parameters and types, and
each value checked before a run starts: a bad `model_type` must not wait for minimize, validate
and publish to run first."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from secure_mlops.errors import InputError


def _boolean(value: str) -> bool:
    # Strict: `apply=maybe` or `apply=yes` must not quietly mean false (or true).
    spelled = value.strip().lower()
    if spelled not in ("true", "false"):
        raise ValueError(value)
    return spelled == "true"


_CASTS: dict[str, Callable[[str], Any]] = {"String": str, "Integer": int, "Float": float, "Boolean": _boolean}
_EXPECTED = {"Boolean": "true or false"}

# Parameters that are fractions or scores: (lowest, highest, whether the lowest is allowed).
_RANGES: dict[str, tuple[float, float, bool]] = {
    "max_membership_advantage": (0.0, 1.0, False),
    "min_roc_auc": (0.0, 1.0, True),
    "min_recall": (0.0, 1.0, True),
    "min_precision": (0.0, 1.0, True),
    "min_accuracy": (0.0, 1.0, True),
    "min_f1": (0.0, 1.0, True),
}
_NOT_NEGATIVE = ("k", "pseudonym_key_version", "token_key_version", "seed", "dp_epsilon")


def pipeline_parameters(pipeline: Any) -> dict[str, str]:
    """Name -> KFP parameter type of a @dsl.pipeline function."""
    inputs = pipeline.component_spec.inputs or {}
    return {name: spec.type for name, spec in inputs.items()}


def pipeline_defaults(pipeline: Any) -> dict[str, Any]:
    """Name -> default value of a @dsl.pipeline function's parameters: what a run gets unless given."""
    inputs = pipeline.component_spec.inputs or {}
    return {name: spec.default for name, spec in inputs.items() if spec.default is not None}


def parse_params(pairs: list[str], pipeline: Any) -> dict[str, Any]:
    """`name=value` pairs typed by the pipeline's parameters, each value checked (`check_params`)."""
    known = pipeline_parameters(pipeline)
    parsed: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise InputError(f"--param {pair!r} is not name=value")
        if name not in known:
            raise InputError(f"unknown pipeline parameter {name!r}", hint=f"known: {', '.join(sorted(known))}")
        try:
            parsed[name] = _CASTS.get(known[name], str)(raw)
        except ValueError:
            expected = _EXPECTED.get(known[name], f"a value of type {known[name].lower()}")
            raise InputError(f"--param {name} expects {expected}") from None
    check_params(parsed)
    return parsed


def check_params(params: dict[str, Any]) -> None:
    """Refuse, in one line, a value the run would only refuse at its step: an unknown model
    type, hyperparameters that are not a JSON object, a threshold out of its range."""
    if "model_type" in params:
        from secure_mlops.training.train import MODEL_TYPES

        if params["model_type"] not in MODEL_TYPES:
            raise InputError(f"--param model_type {params['model_type']!r} is not a model type the training code knows",
                             hint=f"choose one of {', '.join(MODEL_TYPES)}")
    if "model_params" in params:
        _check_json_object(params["model_params"])
    if params.get("dp_epsilon"):
        from secure_mlops.training.private import check_epsilon, check_model_type

        check_epsilon(params["dp_epsilon"])
        if "model_type" in params:
            check_model_type(params["model_type"])
    if "psi_threshold" in params and not (math.isfinite(params["psi_threshold"]) and params["psi_threshold"] > 0):
        raise InputError(f"--param psi_threshold must be a positive number, not {params['psi_threshold']}")
    for name, (low, high, low_allowed) in _RANGES.items():
        if name in params:
            _check_range(name, params[name], low, high, low_allowed)
    for name in _NOT_NEGATIVE:
        if name in params and params[name] < 0:
            raise InputError(f"--param {name} must be 0 or more, not {params[name]}")


def _check_json_object(text: str) -> None:
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise InputError(f"--param model_params is not valid JSON ({exc.msg} at character {exc.pos})",
                         hint="give a JSON object, e.g. model_params='{\"C\": 0.5}'") from None
    if not isinstance(value, dict):
        raise InputError(f"--param model_params must be a JSON object, not a {type(value).__name__}",
                         hint="e.g. model_params='{\"C\": 0.5}'")


def _check_range(name: str, value: float, low: float, high: float, low_allowed: bool) -> None:
    inside = math.isfinite(value) and (low <= value if low_allowed else low < value) and value <= high
    if not inside:
        bound = "[" if low_allowed else "("
        raise InputError(f"--param {name} must be in {bound}{low:g}, {high:g}], not {value}")
