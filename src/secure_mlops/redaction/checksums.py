"""Check digits that tell a real card number or IBAN from a number that merely looks like one.

Validating before redacting keeps byte counts, row counts and other long integers in logs readable;
only about one random number in ten passes Luhn and one in 97 passes the IBAN check.
"""

from __future__ import annotations

# Luhn doubles every second digit from the right; a doubled digit above 9 counts its digit sum.
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


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
    """True when `iban` (spaces allowed) is 15-34 characters and passes the ISO 13616 mod-97 check."""
    compact = iban.replace(" ", "").upper()
    if not (15 <= len(compact) <= 34 and compact.isascii() and compact.isalnum()):
        return False
    if not (compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    # Move country code and check digits to the end, then read letters as 10..35 (base 36).
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1
