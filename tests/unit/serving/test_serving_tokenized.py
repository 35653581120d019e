"""Tokenized identifiers at the inference service: optional, bounded text fields of the record,
answered with the token the pipeline's tokenize makes for the same value in the same column, and
never given to the model."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest
from pydantic import ValidationError
from sklearn.linear_model import LogisticRegression

from secure_mlops.errors import InputError, VaultError
from secure_mlops.privacy import parse_contract
from secure_mlops.privacy.tokenize import Tokenizer, is_token
from secure_mlops.serving.drift import DriftMonitor
from secure_mlops.serving.predictor import IdentifierMasker, IdentifierTokenizer, Predictor
from secure_mlops.serving.schema import MAX_IDENTIFIER_CHARS, TokenizedIdentifier, build_schema
from secure_mlops.validation import profile_dataset
from tests.support.fakes import FakeHmacService, RecordingMetrics

CONTRACT = """
name: visits
version: "1"
k_anonymity: {k: 1}
columns:
  - {name: patient_id, type: string, classification: direct_identifier, action: pseudonymize, nullable: false}
  - {name: email, type: string, classification: direct_identifier, action: tokenize}
  - {name: member_no, type: integer, classification: direct_identifier, action: tokenize}
  - {name: age, type: integer, classification: feature, action: keep, min: 0, max: 120}
  - {name: visits, type: float, classification: feature, action: keep, min: 0, max: 50}
  - {name: outcome, type: string, classification: label, action: keep, allowed_values: ["yes", "no"]}
"""
FEATURES = {"age": 40, "visits": 3.0}


class FakeTokens:
    """Deterministic like convergent Transit (ciphertext = context digest + value); with
    `fail_first`, the first call fails as an expired Vault token does."""

    def __init__(self, *, fail_first: bool = False) -> None:
        self.fail_first = fail_first
        self.seen: list[bytes] = []

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        if self.fail_first:
            self.fail_first = False
            raise VaultError("Vault refused to make tokens: permission denied")
        self.seen.extend(values)
        tag = hashlib.sha256(context).digest()[:4]
        return [f"vault:v3:{base64.b64encode(tag + v).decode()}" for v in values]

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        raise AssertionError("the service never decrypts")


def _schema():
    return build_schema(parse_contract(CONTRACT), None, classes=["yes", "no"], max_batch=4, with_score=True)


def _drift(schema, metrics: RecordingMetrics) -> DriftMonitor:
    training = pa.table({"age": [20, 60, 30, 70], "visits": [1.0, 9.0, 2.0, 12.0], "outcome": ["no", "yes", "no", "yes"]})
    return DriftMonitor(profile_dataset(training, parse_contract(CONTRACT)), schema.features, metrics, window=100)


def _predictor(tokens: FakeTokens, connections: list[FakeTokens] | None = None):
    schema = _schema()
    x = np.array([[20, 1.0], [60, 9.0], [30, 2.0], [70, 12.0]])
    model = LogisticRegression().fit(x, ["no", "yes", "no", "yes"])
    seen_by_model: list[np.ndarray] = []
    original = model.predict_proba
    model.predict_proba = lambda rows: seen_by_model.append(rows) or original(rows)

    def connect() -> FakeTokens:
        if connections is not None:
            connections.append(tokens)
        return tokens

    metrics = RecordingMetrics()
    predictor = Predictor(model, schema, masker=IdentifierMasker(FakeHmacService), score_decimals=1, metrics=metrics,
                          drift=_drift(schema, metrics),
                          tokenizer=IdentifierTokenizer(connect, contract_name="visits"))
    return predictor, schema, seen_by_model


def _pipeline_token(column: str, values: pa.Array) -> str:
    """What minimization writes for the value (privacy/tokenize.py, the pipeline's path)."""
    return Tokenizer(FakeTokens(), contract_name="visits").for_column(column)(values).to_pylist()[0]


@pytest.mark.control("coarse-answers")
def test_tokenized_columns_are_optional_identifiers_and_never_features():
    schema = _schema()

    assert schema.feature_names == ("age", "visits")
    assert schema.tokenized == (TokenizedIdentifier("email", False), TokenizedIdentifier("member_no", True))
    assert schema.identifiers == ("patient_id",)
    bare = schema.record.model_validate(FEATURES)
    sent = schema.record.model_validate({**FEATURES, "email": "ann@example.org", "member_no": "1042"})
    assert bare.t0 is None and bare.t1 is None
    assert (sent.t0, sent.t1) == ("ann@example.org", "1042")
    assert set(schema.record.model_json_schema()["required"]) == {"age", "visits"}


@pytest.mark.parametrize("record", [
    {**FEATURES, "email": "x" * (MAX_IDENTIFIER_CHARS + 1)},
    {**FEATURES, "email": ""},
    {**FEATURES, "email": 17},
    {**FEATURES, "member_no": "12a"},
    {**FEATURES, "member_no": "4_2"},  # Python's int() reads it; the pipeline's integers never look so
    {**FEATURES, "member_no": "\u0664\u0662"},  # Arabic-Indic digits, idem
    {**FEATURES, "member_no": str(2**63)},
    {**FEATURES, "member_no": 42},
], ids=["too-long", "empty", "not-text", "not-an-integer", "underscore", "other-digits", "beyond-int64",
        "a-json-number"])
@pytest.mark.control("api-guard")
def test_a_malformed_tokenized_identifier_is_refused_without_echoing_it(record):
    with pytest.raises(ValidationError) as refused:
        _schema().record.model_validate(record)

    value = str(record.get("member_no", record.get("email")))
    assert value not in str(refused.value) or value in ("", "17", "42")


@pytest.mark.control("coarse-answers")
def test_the_answer_holds_the_pipelines_token_and_the_model_sees_features_only():
    tokens = FakeTokens()
    predictor, schema, seen_by_model = _predictor(tokens)
    records = [schema.record.model_validate({**FEATURES, "email": " ann@example.org ", "member_no": "+0042"}),
               schema.record.model_validate(FEATURES)]

    first, second = (a.model_dump() for a in predictor.predict(records))

    assert first["email"] == _pipeline_token("email", pa.array(["ann@example.org"]))
    # An integer column's text is read as the integer the pipeline tokenized: "+0042" is 42.
    assert first["member_no"] == _pipeline_token("member_no", pa.array([42], type=pa.int32()))
    assert is_token(first["email"]) and first["email"] != first["member_no"]
    assert set(second) == {"label", "score"}
    assert all(rows.shape == (2, 2) for rows in seen_by_model) and len(seen_by_model) == 1
    assert tokens.seen == [b"ann@example.org", b"42"]


def test_the_same_value_in_two_tokenized_columns_gets_two_tokens():
    predictor, schema, _ = _predictor(FakeTokens())

    answer = predictor.predict([schema.record.model_validate({**FEATURES, "email": "7", "member_no": "7"})])[0]

    assert answer.model_dump()["email"] != answer.model_dump()["member_no"]


def test_a_failed_token_call_logs_in_again_once():
    connections: list[FakeTokens] = []
    predictor, schema, _ = _predictor(FakeTokens(fail_first=True), connections)

    answer = predictor.predict([schema.record.model_validate({**FEATURES, "email": "ann@example.org"})])[0]

    assert is_token(answer.model_dump()["email"]) and len(connections) == 2


def test_a_contract_with_tokenized_columns_needs_a_tokenizer():
    schema = _schema()
    model = LogisticRegression().fit(np.array([[20, 1.0], [60, 9.0]]), ["no", "yes"])
    metrics = RecordingMetrics()

    with pytest.raises(InputError, match="tokenized identifiers"):
        Predictor(model, schema, masker=IdentifierMasker(FakeHmacService), score_decimals=1, metrics=metrics,
                  drift=_drift(schema, metrics))


@pytest.mark.control("api-guard")
def test_vault_unreachable_while_tokenizing_is_a_503_with_a_clear_message():
    import hvac
    from bentoml.exceptions import ServiceUnavailable

    from secure_mlops.serving.runtime import answering
    from secure_mlops.vault.tokens import TransitTokenService

    def unreachable() -> TransitTokenService:  # nothing listens on the discard port
        return TransitTokenService(hvac.Client(url="http://127.0.0.1:9", timeout=2), key_name="secure-mlops-token")

    tokens = FakeTokens()
    predictor, schema, _ = _predictor(tokens)
    predictor._tokenizer = IdentifierTokenizer(unreachable, contract_name="visits")
    record = schema.record.model_validate({**FEATURES, "email": "ann@example.org"})

    with pytest.raises(ServiceUnavailable) as refused, answering():
        predictor.predict([record])

    assert refused.value.error_code == 503 and "retry later" in str(refused.value)
    assert "ann@example.org" not in str(refused.value)
