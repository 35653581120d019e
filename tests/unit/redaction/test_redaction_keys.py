"""Values of sensitive keys, in every notation logs use."""

from __future__ import annotations

import pytest

from secure_mlops.errors import InputError
from secure_mlops.redaction import DEFAULT_SENSITIVE_KEYS, Redactor


def test_extra_keys_are_redacted_case_insensitively() -> None:
    redactor = Redactor(extra_keys=["patient_id", "Diagnosis"])
    assert redactor.redact('{"PatientId": "P-001", "diagnosis": "flu", "age": 3}') == (
        '{"PatientId": "[REDACTED:patient_id]", "diagnosis": "[REDACTED:diagnosis]", "age": 3}'
    )


def test_extra_keys_are_whole_names() -> None:
    assert Redactor(extra_keys=["id"]).redact("trace_id=abc id=7") == "trace_id=abc id=[REDACTED:id]"


def test_every_default_key_is_sensitive() -> None:
    redactor = Redactor()
    for key in DEFAULT_SENSITIVE_KEYS:
        # `apikey` and `api_key` are one key, labelled `api_key`.
        assert redactor.redact(f"{key}=v4lue") in (f"{key}=[REDACTED:{key}]", f"{key}=[REDACTED:api_key]")


def test_label_for_names_a_structured_fields_replacement() -> None:
    redactor = Redactor(extra_keys=["patient_id"])
    assert redactor.label_for("userEmail") == "[REDACTED:email]"
    assert redactor.label_for("patient-id") == "[REDACTED:patient_id]"
    assert redactor.label_for("filename") is None


def test_extra_keys_are_kept_canonical() -> None:
    assert Redactor(extra_keys=["patientId", "full name"]).extra_keys == {"patient_id", "full_name"}


def test_extra_keys_given_as_one_string_are_refused() -> None:
    with pytest.raises(InputError):
        Redactor(extra_keys="patient_id")


@pytest.mark.parametrize("bad", ["", "  ", "bad*key", 7])
def test_malformed_extra_key_is_refused(bad: object) -> None:
    with pytest.raises(InputError):
        Redactor(extra_keys=[bad])  # type: ignore[list-item]


def test_a_role_key_is_no_sensitive_key_name_for_structured_fields() -> None:
    # Log `extra=` fields and span attributes lose a whole value by its key's name; a role key
    # (`user`, `client`) holds a login or a protocol as often as a name, so it is judged by value.
    redactor = Redactor()
    assert redactor.label_for("user") is None
    assert redactor.label_for("client") is None
    assert redactor.redact('user="Ana García" client=grpc') == 'user="[REDACTED:name]" client=grpc'
