from __future__ import annotations

import hashlib
import hmac
import unicodedata
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secure_mlops.errors import SecureMlopsError
from secure_mlops.privacy import Pseudonymizer
from secure_mlops.privacy.pseudonymize import canonical_text


@pytest.mark.control("keyed-pseudonyms")
def test_pseudonym_is_the_truncated_keyed_hmac_in_hex(hmac_service: Any) -> None:
    pseudonym = Pseudonymizer(hmac_service).pseudonymize(pa.array(["P000001"]))[0].as_py()
    expected = hmac.new(b"k" * 32, b"P000001", hashlib.sha256).digest()[:16].hex()
    assert pseudonym == expected
    assert len(pseudonym) == 32


def test_canonical_form_trims_whitespace_and_normalizes_unicode_but_keeps_case(
        hmac_service: Any) -> None:
    decomposed = unicodedata.normalize("NFD", "José")
    values = pa.array(["José", f"  {decomposed}\t", "JOSÉ"])
    out = Pseudonymizer(hmac_service).pseudonymize(values)
    first, second, upper = out.to_pylist()
    assert first == second
    assert upper != first


def test_integers_pseudonymize_as_their_decimal_text(hmac_service: Any) -> None:
    pseudonymizer = Pseudonymizer(hmac_service)
    as_int = pseudonymizer.pseudonymize(pa.array([1234], pa.int64()))
    as_text = pseudonymizer.pseudonymize(pa.array(["1234"]))
    assert as_int.equals(as_text)


def test_nulls_stay_null(hmac_service: Any) -> None:
    out = Pseudonymizer(hmac_service).pseudonymize(pa.array(["a", None, "a"]))
    assert out.null_count == 1
    assert out[1].as_py() is None


def test_distinct_values_are_sent_once_per_batch(hmac_service: Any) -> None:
    Pseudonymizer(hmac_service).pseudonymize(pa.array(["a", "b", "a", "a", "b", None]))
    assert hmac_service.batch_sizes == [2]


def test_cache_carries_pseudonyms_across_batches(hmac_service: Any) -> None:
    pseudonymizer = Pseudonymizer(hmac_service)
    first = pseudonymizer.pseudonymize(pa.array(["a", "b"]))
    second = pseudonymizer.pseudonymize(pa.array(["b", "a", "c"]))
    assert hmac_service.batch_sizes == [2, 1]
    assert second.to_pylist()[:2] == first.to_pylist()[::-1]


def test_cache_is_bounded(hmac_service: Any) -> None:
    pseudonymizer = Pseudonymizer(hmac_service, cache_size=2)
    pseudonymizer.pseudonymize(pa.array(["a", "b"]))
    pseudonymizer.pseudonymize(pa.array(["a"]))  # cached
    pseudonymizer.pseudonymize(pa.array(["c"]))  # the cache is full: emptied, then holds c
    assert repr(pseudonymizer) == "Pseudonymizer(cached=1)"
    pseudonymizer.pseudonymize(pa.array(["a", "c"]))
    assert hmac_service.batch_sizes == [2, 1, 1]
    pseudonymizer.pseudonymize(pa.array(["x", "y", "z"]))  # more than fits: not cached
    assert repr(pseudonymizer) == "Pseudonymizer(cached=0)"


def test_service_returning_wrong_digests_fails() -> None:
    class Broken:
        def hmac_many(self, values: Any) -> list[bytes]:
            return [b"short" for _ in values]

    with pytest.raises(SecureMlopsError, match="not 32 bytes"):
        Pseudonymizer(Broken()).pseudonymize(pa.array(["a"]))


# The double only counts calls, so sharing it across generated examples is harmless.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=20), max_size=40))
def test_pseudonymize_is_deterministic_and_injective_on_distinct_values(
        hmac_service: Any, values: list[str]) -> None:
    array = pa.array(values, pa.string())
    distinct = len(set(canonical_text(array).to_pylist()))
    first = Pseudonymizer(hmac_service).pseudonymize(array).to_pylist()
    again = Pseudonymizer(hmac_service, cache_size=0).pseudonymize(array).to_pylist()
    assert first == again
    assert len(set(first)) == distinct


# -- scoped pseudonyms: domain separation per dataset (issue 10, item 11) -----------------------

def _scoped_input(scope: str, value: str) -> bytes:
    """The documented HMAC input of a scoped pseudonym: a fixed label, the scope's UTF-8 length
    (4 bytes, big-endian) and bytes, then the value's canonical text."""
    name = scope.encode()
    return b"secure-mlops pseudonym scope\x00" + len(name).to_bytes(4, "big") + name + value.encode()


def test_a_scoped_pseudonym_is_the_hmac_of_the_scope_and_the_value(hmac_service: Any) -> None:
    pseudonym = Pseudonymizer(hmac_service, scope="patients").pseudonymize(pa.array(["P000001"]))[0].as_py()
    expected = hmac.new(b"k" * 32, _scoped_input("patients", "P000001"), hashlib.sha256).digest()[:16].hex()
    assert pseudonym == expected


def test_scopes_give_unrelated_pseudonyms_and_one_scope_stays_joinable(hmac_service: Any) -> None:
    values = pa.array(["P000001", "P000002"])
    unscoped = Pseudonymizer(hmac_service).pseudonymize(values).to_pylist()
    a = Pseudonymizer(hmac_service, scope="patients").pseudonymize(values).to_pylist()
    b = Pseudonymizer(hmac_service, scope="claims").pseudonymize(values).to_pylist()

    assert not set(a) & set(b) and not set(a) & set(unscoped) and not set(b) & set(unscoped)
    assert Pseudonymizer(hmac_service, scope="patients").pseudonymize(values).to_pylist() == a


def test_the_scope_and_the_value_cannot_trade_characters(hmac_service: Any) -> None:
    """("ab", "c") and ("a", "bc") would be one input if the scope were only prepended."""
    first = Pseudonymizer(hmac_service, scope="ab").pseudonymize(pa.array(["c"]))[0].as_py()
    second = Pseudonymizer(hmac_service, scope="a").pseudonymize(pa.array(["bc"]))[0].as_py()
    assert first != second
