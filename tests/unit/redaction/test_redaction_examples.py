"""Every example of examples.yaml: what each detector removes, and what it must leave alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from secure_mlops.redaction import redact

EXAMPLES = yaml.safe_load((Path(__file__).parent / "examples.yaml").read_text(encoding="utf-8"))
CASES = [
    pytest.param(case["text"], case.get("expected", case["text"]), id=f"{example['about']} [{number}]")
    for example in EXAMPLES
    for number, case in enumerate(example["cases"], start=1)
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_example_is_redacted_as_expected(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_every_example_has_a_reason_and_a_case() -> None:
    assert all(example["about"] and example["cases"] for example in EXAMPLES)
