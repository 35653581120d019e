"""Luhn and IBAN mod-97: the checks that tell real numbers from look-alikes."""

from __future__ import annotations

import pytest

from secure_mlops.redaction.checksums import iban_valid, luhn_valid


@pytest.mark.parametrize("number", ["4111111111111111", "378282246310005", "79927398713", "0"])
def test_luhn_accepts_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", ["4111111111111112", "79927398710", "", "4111 1111", "١٢٣"])
def test_luhn_rejects_invalid_numbers_and_non_ascii_digits(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "gb82west12345698765432"]
)
def test_iban_mod97_accepts_valid_ibans(iban: str) -> None:
    assert iban_valid(iban)


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013001", "DE8937040044", "1289370400440532013000", "DE89-3704-0044"]
)
def test_iban_mod97_rejects_invalid_ibans(iban: str) -> None:
    assert not iban_valid(iban)
