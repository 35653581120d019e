"""`--param name=value` parsing, checked against the pipeline's own parameters and types."""

from __future__ import annotations

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
            expected = _EXPECTED.get(known[name], f"a value of type {known[name].lower()}")
            raise InputError(f"--param {name} expects {expected}") from None
    return parsed
