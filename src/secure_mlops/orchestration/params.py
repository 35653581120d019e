"""`--param name=value` parsing, checked against the pipeline's own parameters and types."""

from __future__ import annotations

from typing import Any

from secure_mlops.errors import InputError

_CASTS = {"String": str, "Integer": int, "Float": float, "Boolean": lambda v: v.lower() in {"1", "true", "yes"}}


def pipeline_parameters(pipeline: Any) -> dict[str, str]:
    """Name -> KFP parameter type of a @dsl.pipeline function."""
    inputs = pipeline.component_spec.inputs or {}
    return {name: spec.type for name, spec in inputs.items()}


def parse_params(pairs: list[str], pipeline: Any) -> dict[str, Any]:
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
            raise InputError(f"--param {name} expects a value of type {known[name].lower()}") from None
    return parsed
