"""Values of sensitive keys, in every notation logs use."""

from __future__ import annotations

import pytest

from secure_mlops.errors import InputError
from secure_mlops.redaction import DEFAULT_SENSITIVE_KEYS, Redactor, redact


def test_json_value_of_sensitive_key_is_redacted_and_quotes_kept() -> None:
    assert redact('{"email": "x", "full_name": "Jane Doe", "age": 42}') == (
        '{"email": "[REDACTED:email]", "full_name": "[REDACTED:full_name]", "age": 42}'
    )


def test_json_number_value_of_sensitive_key_is_redacted() -> None:
    assert redact('{"ssn": 123456789}') == '{"ssn": [REDACTED:ssn]}'


def test_json_list_value_of_sensitive_key_is_redacted() -> None:
    assert redact('{"phone": ["555 0100", "555 0101"]}') == '{"phone": [REDACTED:phone]}'


def test_object_value_of_sensitive_key_is_redacted_whole() -> None:
    text = '{"address": {"street": "1 Main St", "geo": {"lat": 52.5}}, "rows": 3}'
    assert redact(text) == '{"address": [REDACTED:address], "rows": 3}'


def test_escaped_json_inside_a_json_string_is_redacted() -> None:
    text = '{"msg": "{\\"name\\": \\"Jane Doe\\"}"}'
    assert redact(text) == '{"msg": "{\\"name\\": \\"[REDACTED:name]\\"}"}'


def test_logfmt_value_is_redacted() -> None:
    assert redact('user name="Jane Doe" password=hunter2 rows=10') == (
        'user name="[REDACTED:name]" password=[REDACTED:password] rows=10'
    )


def test_colon_value_runs_to_the_next_field() -> None:
    assert redact("name: Jane Doe email: j@x.io status: ok") == (
        "name: [REDACTED:name] email: [REDACTED:email] status: ok"
    )


def test_python_repr_values_are_redacted() -> None:
    text = "{'ssn': '123-45-6789', 'first_name': 'Jo'} User(name='Jane', token=\"abc\")"
    assert redact(text) == (
        "{'ssn': '[REDACTED:ssn]', 'first_name': '[REDACTED:first_name]'} "
        "User(name='[REDACTED:name]', token=\"[REDACTED:token]\")"
    )


def test_query_string_value_is_redacted_and_other_parameters_kept() -> None:
    assert redact("GET /cb?token=abc123&page=2") == "GET /cb?token=[REDACTED:token]&page=2"


@pytest.mark.parametrize(
    ("spelling", "label"),
    [
        ("first_name", "first_name"),
        ("first-name", "first_name"),
        ("firstName", "first_name"),
        ("FIRST_NAME", "first_name"),
        ("dateOfBirth", "date_of_birth"),
        ("apiKey", "api_key"),
        ("X-Api-Key", "api_key"),
    ],
)
def test_key_spellings_match_case_and_separator_insensitively(spelling: str, label: str) -> None:
    assert redact(f"{spelling}=secretvalue") == f"{spelling}=[REDACTED:{label}]"


@pytest.mark.parametrize(
    ("field", "label"),
    [
        ("DB_PASSWORD", "password"),
        ("githubToken", "token"),
        ("fs.s3a.secret.key", "secret_key"),
        ("patient_ssn", "ssn"),
        ("--password", "password"),
    ],
)
def test_secret_key_as_last_word_of_a_longer_name_is_redacted(field: str, label: str) -> None:
    assert redact(f"{field}=value1") == f"{field}=[REDACTED:{label}]"


@pytest.mark.parametrize(
    "field", ["filename", "pathname", "username", "hostname", "namespace", "file_name", "fileName"]
)
def test_names_that_merely_contain_name_are_left_alone(field: str) -> None:
    assert redact(f"{field}=/data/train.csv") == f"{field}=/data/train.csv"


def test_ip_address_field_is_not_taken_for_a_postal_address() -> None:
    assert redact("ip_address=10.0.0.1") == "ip_address=[REDACTED:ip]"


def test_extra_keys_are_redacted_case_insensitively() -> None:
    redactor = Redactor(extra_keys=["patient_id", "Diagnosis"])
    assert redactor.redact('{"PatientId": "P-001", "diagnosis": "flu", "age": 3}') == (
        '{"PatientId": "[REDACTED:patient_id]", "diagnosis": "[REDACTED:diagnosis]", "age": 3}'
    )


def test_extra_keys_are_whole_names() -> None:
    assert Redactor(extra_keys=["id"]).redact("trace_id=abc id=7") == "trace_id=abc id=[REDACTED:id]"


def test_value_keeps_the_brackets_around_it() -> None:
    assert redact("(password=hunter2) [token=abc]") == (
        "(password=[REDACTED:password]) [token=[REDACTED:token]]"
    )


def test_authorization_with_scheme_after_equals_loses_scheme_and_credentials() -> None:
    assert redact("authorization=Bearer abc.def next=1") == (
        "authorization=[REDACTED:authorization] next=1"
    )


def test_value_detected_beyond_the_keyed_token_is_redacted_too() -> None:
    assert redact("phone=+1 555 123 4567 ok") == "phone=[REDACTED:phone] ok"


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
