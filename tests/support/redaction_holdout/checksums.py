"""Check-digit arithmetic the held-out generator needs to make issuer-valid numbers.

Written from the published schemes, not from any detector: Luhn, ISO 7064 mod 97-10, and weighted
mod-11 / mod-10 sums. Each `*_digit` function returns the digit that completes its input.
"""

from __future__ import annotations

from collections.abc import Sequence


def luhn_digit(payload: str) -> str:
    """The Luhn check digit to append to the digits in `payload`."""
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char)
        if index % 2 == 0:  # these positions are doubled once the check digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    digits = "".join(char for char in number if char.isdigit())
    return len(digits) > 1 and luhn_digit(digits[:-1]) == digits[-1]


def _alnum_to_digits(text: str) -> str:
    return "".join(str(int(char, 36)) for char in text)


def mod97_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10 check of an IBAN, separators ignored."""
    compact = "".join(iban.split()).upper()
    return int(_alnum_to_digits(compact[4:] + compact[:4])) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    remainder = int(_alnum_to_digits(bban + country + "00")) % 97
    return f"{98 - remainder:02d}"


def weighted(digits: str, weights: Sequence[int]) -> int:
    return sum(int(char) * weight for char, weight in zip(digits, weights, strict=False))
