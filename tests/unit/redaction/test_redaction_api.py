"""The Redactor as an object: inputs it refuses, threads, repr, and errors that carry no data."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import BaseModel, ValidationError

from secure_mlops.errors import InputError
from secure_mlops.redaction import Redactor, redact

LINES = [
    f"user{i}@example.com paid with 4111 1111 1111 1111 from 203.0.113.{i % 250 + 1} rows={i}"
    for i in range(200)
]


def test_redact_refuses_bytes_without_echoing_them() -> None:
    with pytest.raises(InputError) as raised:
        redact(b"ssn 123-45-6789")  # type: ignore[arg-type]
    assert "123-45-6789" not in str(raised.value)
    assert "bytes" in str(raised.value)


def test_refused_extra_key_is_not_echoed() -> None:
    with pytest.raises(InputError) as raised:
        Redactor(extra_keys=["ssn=123-45-6789"])
    assert "123-45-6789" not in str(raised.value)


def test_redactor_is_safe_to_share_across_threads() -> None:
    redactor = Redactor(extra_keys=["patient_id"])
    expected = [redactor.redact(line) for line in LINES]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(5):
            assert list(pool.map(redactor.redact, LINES)) == expected


def test_repr_shows_no_keys_or_text() -> None:
    redactor = Redactor(extra_keys=["patient_id"])
    assert repr(redactor) == f"Redactor(keys={len(redactor.keys)})"


def test_multiline_text_is_redacted_line_by_line_and_whole() -> None:
    text = "name: Jane Doe\nemail: j@x.io\nrows: 3\n"
    assert redact(text) == "name: [REDACTED:name]\nemail: [REDACTED:email]\nrows: 3\n"


def test_non_ascii_text_is_redacted_around_its_characters() -> None:
    assert redact("Zoë wrote from zoë@example.com and ü@exämple.de: name=Zoë") == (
        "Zoë wrote from [REDACTED:email] and [REDACTED:email]: name=[REDACTED:name]"
    )


@pytest.mark.control("redaction")
def test_pydantic_validation_error_loses_its_input_values() -> None:
    class Patient(BaseModel):
        name: str
        age: int

    with pytest.raises(ValidationError) as raised:
        Patient(name=["Jane Doe"], age={"email": "jane@example.com", "full_name": "Jane Doe"})
    redacted = redact(str(raised.value))
    assert "Jane" not in redacted and "jane@" not in redacted
    assert "input_value=[REDACTED:input_value]" in redacted
