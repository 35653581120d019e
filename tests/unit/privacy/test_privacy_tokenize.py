"""Reversible tokens without a Vault: the token format, the per-column context, the contract's
rules for `tokenize`, the transform and the validation suite's pattern."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence

import pyarrow as pa
import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import parse_contract
from secure_mlops.privacy.contract import Action
from secure_mlops.privacy.tokenize import (
    TOKEN_PATTERN,
    Tokenizer,
    detokenize,
    is_token,
    to_ciphertext,
    to_token,
    token_context,
)
from secure_mlops.privacy.transforms import plan_columns


class FakeTokens:
    """Deterministic and reversible like convergent Transit: ciphertext = context digest + value."""

    def __init__(self) -> None:
        self.calls = 0

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        self.calls += 1
        tag = hashlib.sha256(context).digest()[:4]
        return [f"vault:v2:{base64.b64encode(tag + v).decode()}" for v in values]

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        tag = hashlib.sha256(context).digest()[:4]
        raw = [base64.b64decode(c.split(":", 2)[2]) for c in ciphertexts]
        if any(r[:4] != tag for r in raw):
            raise InputError("wrong context")
        return [r[4:] for r in raw]


def _contract(column: str) -> str:
    return f"""
name: people
version: "1"
columns:
{column}
  - {{name: age, type: integer, classification: feature, action: keep}}
"""


def test_token_is_url_and_csv_safe_and_round_trips_to_the_vault_ciphertext() -> None:
    # Bytes chosen so standard base64 holds '+', '/' and '=' padding.
    ciphertext = "vault:v12:" + base64.b64encode(b"\xfb\xff\xbf\x00\x01").decode()
    token = to_token(ciphertext)
    assert token.startswith("tok1_v12_")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert re.match(TOKEN_PATTERN, token) and is_token(token)
    assert to_ciphertext(token) == ciphertext


@pytest.mark.parametrize("text", ["", "tok1_", "tok1_v0_AAAA", "tok1_12_AAAA", "tok1_v1_AA+A", "tok1_v1_AAAA\n",
                                  "vault:v1:AAAA", "0123456789abcdef0123456789abcdef"])
def test_what_is_not_a_token_is_refused_without_echoing_it(text: str) -> None:
    assert not is_token(text)
    with pytest.raises(InputError) as raised:
        to_ciphertext(text)
    assert str(raised.value).startswith("not a token (tok1_v<N>_<base64url>)")  # the same words whatever the input


def test_context_separates_columns_contracts_and_ambiguous_splits() -> None:
    contexts = {token_context("people", "id"), token_context("people", "email"), token_context("others", "id"),
                token_context("a/b", "c"), token_context("a", "b/c")}
    assert len(contexts) == 5


def test_equal_values_give_equal_tokens_and_columns_differ() -> None:
    service = FakeTokens()
    tokenizer = Tokenizer(service, contract_name="people")
    values = pa.array([" ann ", "bob", None, "ann"])
    ids = tokenizer.for_column("id")(values).to_pylist()
    emails = tokenizer.for_column("email")(values).to_pylist()
    assert ids[0] == ids[3] != ids[1] and ids[2] is None
    assert all(is_token(t) for t in ids if t is not None)
    assert set(ids) & set(emails) == {None}
    back = detokenize([ids[0], ids[1]], service, contract_name="people", column="id")
    assert back == ["ann", "bob"]  # canonical text: trimmed
    with pytest.raises(InputError):
        detokenize([ids[0]], service, contract_name="people", column="email")


def test_integers_tokenize_as_their_decimal_text() -> None:
    service = FakeTokens()
    tokens = Tokenizer(service, contract_name="people").for_column("n")(pa.array([7, 42, 7], pa.int64()))
    assert tokens.type == pa.string()
    assert detokenize(tokens.to_pylist(), service, contract_name="people", column="n") == ["7", "42", "7"]


def test_detokenize_names_the_bad_line_not_its_content() -> None:
    with pytest.raises(InputError, match=r"^line 2: not a token") as raised:
        detokenize([to_token("vault:v1:AAAA"), "secret-value"], FakeTokens(), contract_name="p", column="c")
    assert "secret-value" not in str(raised.value)


@pytest.mark.parametrize("column_type", ["string", "integer"])
def test_direct_identifiers_may_be_tokenized(column_type: str) -> None:
    contract = parse_contract(_contract(
        f"  - {{name: id, type: {column_type}, classification: direct_identifier, action: tokenize, nullable: false}}"))
    assert contract.columns[0].action is Action.TOKENIZE


@pytest.mark.parametrize(("column", "message"), [
    ("  - {name: zip, type: string, classification: quasi_identifier, action: tokenize}",
     "a quasi_identifier cannot be tokenized"),
    ("  - {name: note, type: string, classification: sensitive, action: tokenize}", "a sensitive cannot be tokenized"),
    ("  - {name: x, type: string, classification: feature, action: tokenize}", "a feature cannot be tokenized"),
    ("  - {name: born, type: date, classification: direct_identifier, action: tokenize}",
     "tokenize is not defined for date columns"),
    ("  - {name: id, type: string, classification: direct_identifier, action: tokenize, params: {keep_last: 2}}",
     "keep_last does not apply to tokenize"),
])
def test_tokenize_rules(column: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_contract(_contract(column))


def test_a_tokenized_column_needs_the_token_service() -> None:
    contract = parse_contract(_contract(
        "  - {name: id, type: string, classification: direct_identifier, action: tokenize}"))
    with pytest.raises(InputError, match="id must be tokenized, and no token service was given"):
        plan_columns(contract.columns, pseudonymizer=None)  # type: ignore[arg-type]


def test_validation_accepts_tokens_and_flags_what_is_not_one() -> None:
    from secure_mlops.validation import validate_dataset

    contract = parse_contract(_contract(
        "  - {name: id, type: string, classification: direct_identifier, action: tokenize, nullable: false}"))
    tokens = Tokenizer(FakeTokens(), contract_name="people").for_column("id")(pa.array(["a", "b", "c"]))
    good = pa.table({"id": tokens, "age": pa.array([30, 40, 50], pa.int64())})
    assert validate_dataset(good, contract).success
    bad = pa.table({"id": pa.array([tokens[0].as_py(), "plain-value", None]), "age": pa.array([30, 40, 50], pa.int64())})
    failures = {(c.name, c.column) for c in validate_dataset(bad, contract).failures()}
    assert failures == {("pattern", "id"), ("not_null", "id")}
