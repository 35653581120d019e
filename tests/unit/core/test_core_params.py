"""`--param name=value` against the real pipeline's parameters: typed, and booleans strict."""

from __future__ import annotations

from typing import Any

import pytest

from secure_mlops.errors import InputError
from secure_mlops.orchestration.params import parse_params


@pytest.fixture(scope="module")
def pipeline() -> Any:
    from pipelines.secure_pipeline import build_pipeline

    return build_pipeline(cluster=False)


@pytest.mark.parametrize(("raw", "value"), [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_a_boolean_is_true_or_false(pipeline: Any, raw: str, value: bool) -> None:
    assert parse_params([f"apply={raw}"], pipeline) == {"apply": value}


@pytest.mark.parametrize("raw", ["maybe", "yes", "no", "1", "0", "", "truee"])
def test_any_other_boolean_is_refused_and_the_message_says_what_is_accepted(pipeline: Any, raw: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_params([f"apply={raw}"], pipeline)
    assert str(caught.value) == "--param apply expects true or false"


def test_numbers_are_typed_and_checked(pipeline: Any) -> None:
    assert parse_params(["k=7", "psi_threshold=0.3"], pipeline) == {"k": 7, "psi_threshold": 0.3}
    with pytest.raises(InputError, match=r"^--param k expects a value of type integer$"):
        parse_params(["k=seven"], pipeline)
