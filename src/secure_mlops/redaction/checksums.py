"""Check digits that tell a real card number or IBAN from a number that merely looks like one.

Validating before redacting keeps byte counts, row counts and other long integers in logs readable;
only about one random number in ten passes Luhn and one in 97 passes the IBAN check.
"""

from __future__ import annotations

from typing import Final

# Luhn doubles every second digit from the right; a doubled digit above 9 counts its digit sum.
_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
# IBAN letters count as 10..35 (A..Z); one translate does the whole string.
_LETTER_VALUES: Final = str.maketrans(
    {letter: str(value) for value, letter in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=10)}
)


def luhn_valid(digits: str) -> bool:
    """True when `digits` (ASCII digits only, no separators) passes the Luhn check."""
    if not digits or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 else digit
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """True when `iban` (spaces allowed) has 15-34 characters and passes ISO 13616 mod-97."""
    compact = iban.replace(" ", "").upper()
    if not (15 <= len(compact) <= 34 and compact.isascii() and compact.isalnum()):
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    # Country code and check digits move to the end; the number then leaves 1 modulo 97.
    return int((compact[4:] + compact[:4]).translate(_LETTER_VALUES)) % 97 == 1
