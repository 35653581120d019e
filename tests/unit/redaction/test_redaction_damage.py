"""A stray byte, a replacement character or an invisible character inside an identifier.

The cases are generated: random identifiers of each family, a damaged character put at the start,
the middle and the end of each (or next to it), in every way such a character reaches the
redactor (an invalid UTF-8 byte decoded with `replace` or `surrogateescape`, a raw byte read as
Latin-1, a control byte, a character of valid text), and a byte in place of one of its characters.
The identifier must not come out almost whole: no four characters of it in a row may survive.
Damaged benign lines, which must come out unchanged, are examples in examples.yaml.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

import pytest

from secure_mlops.redaction import redact
from secure_mlops.redaction.checksums import iban_valid, luhn_valid

_RNG = random.Random(20260314)
_TOKEN_CHARS = string.ascii_letters + string.digits
_PER_FAMILY = 3


def _luhn_completed(body: str) -> str:
    return body + next(digit for digit in string.digits if luhn_valid(body + digit))


def _email(rng: random.Random) -> str:
    local = rng.choice(string.ascii_lowercase) + "".join(rng.choices(string.ascii_lowercase + string.digits, k=7))
    domain = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))
    return f"{local}.{rng.choice(['smith', 'doe', 'lee'])}@{domain}.{rng.choice(['com', 'org', 'de', 'io'])}"


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _card(rng: random.Random, separators: tuple[str, ...] = ("", " ", "-")) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("2221", 16), ("37", 15), ("6011", 16)])
    digits = _luhn_completed(prefix + "".join(rng.choices(string.digits, k=length - len(prefix) - 1)))
    separator = rng.choice(separators)
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return separator.join(groups) if length == 16 else separator.join([digits[:4], digits[4:10], digits[10:]])


def _iban(rng: random.Random, grouped: bool = False) -> str:
    bban = "".join(rng.choices(string.digits, k=18))
    country = rng.choice(["DE", "FR", "NL"])
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    assert iban_valid(iban)
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) if grouped else iban


def _vault_token(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(["hvs.", "hvb.", "hvr."]) + "".join(rng.choices(_TOKEN_CHARS + "_-", k=rng.randint(24, 90)))
    return rng.choice(["s.", "b."]) + "".join(rng.choices(_TOKEN_CHARS, k=24))


def _aws_key(rng: random.Random) -> str:
    return rng.choice(["AKIA", "ASIA"]) + "".join(rng.choices(string.ascii_uppercase + string.digits, k=16))


# Each family by the label its identifiers are redacted with.
FAMILIES: dict[str, Callable[[random.Random], str]] = {
    "email": _email,
    "ssn": _ssn,
    "card": _card,
    "iban": _iban,
    "vault_token": _vault_token,
    "aws_key": _aws_key,
}
IDENTIFIERS = {family: [make(_RNG) for _ in range(_PER_FAMILY)] for family, make in FAMILIES.items()}

# How a damaged character reaches the redactor: bytes put in the line's UTF-8, then the decoding.
DAMAGE: dict[str, tuple[bytes, str]] = {
    "0xff decoded with replace": (b"\xff", "replace"),
    "0xff decoded with surrogateescape": (b"\xff", "surrogateescape"),
    "stray continuation byte, replace": (b"\x80", "replace"),
    "lead byte without continuation, surrogateescape": (b"\xc3", "surrogateescape"),
    "truncated 3-byte sequence, replace": (b"\xe2\x82", "replace"),
    "truncated 3-byte sequence, surrogateescape": (b"\xe2\x82", "surrogateescape"),
    "raw byte read as latin-1": (b"\x85", "latin-1"),
    "NUL byte": (b"\x00", "strict"),
    "escape byte": (b"\x1b", "strict"),
    "replacement character in valid text": ("\ufffd".encode(), "strict"),
    "zero-width space": ("\u200b".encode(), "strict"),
    "byte order mark": ("\ufeff".encode(), "strict"),
}


def _decode(line: bytes, errors: str) -> str:
    return line.decode("latin-1") if errors == "latin-1" else line.decode("utf-8", errors)


def _positions(identifier: str) -> dict[str, int]:
    return {"start": 1, "middle": len(identifier) // 2, "end": len(identifier) - 1, "before": 0, "after": len(identifier)}


def _survivors(identifier: str, label: str, redacted: str) -> list[str]:
    """Runs of four characters of `identifier` still in the redacted line (its context stripped)."""
    assert redacted.startswith("user ") and redacted.endswith(" ok"), redacted
    rest = redacted[len("user ") : -len(" ok")].replace(f"[REDACTED:{label}]", "")
    return [identifier[i : i + 4] for i in range(len(identifier) - 3) if identifier[i : i + 4] in rest]


INSERTED = [
    pytest.param(family, damage, position, id=f"{family}-{position}-{damage}")
    for family in FAMILIES
    for damage in DAMAGE
    for position in ("start", "middle", "end", "before", "after")
]


@pytest.mark.parametrize(("family", "damage", "position"), INSERTED)
def test_damaged_character_inside_an_identifier_does_not_save_it(family: str, damage: str, position: str) -> None:
    stray, errors = DAMAGE[damage]
    for identifier in IDENTIFIERS[family]:
        at = _positions(identifier)[position]
        raw = identifier.encode()
        line = _decode(b"user " + raw[:at] + stray + raw[at:] + b" ok", errors)
        redacted = redact(line)
        assert f"[REDACTED:{family}]" in redacted, ascii(line)
        assert not _survivors(identifier, family, redacted), ascii(redacted)


# A byte that took the place of a character: the number families written grouped, as a plain
# digit run with its first or last digit damaged is ambiguous (see damage.py and the examples).
REPLACEABLE: dict[str, list[str]] = {
    "email": IDENTIFIERS["email"],
    "ssn": IDENTIFIERS["ssn"],
    "card": [_card(_RNG, separators=(" ", "-")) for _ in range(_PER_FAMILY)],
    "iban": [_iban(_RNG, grouped=True) for _ in range(_PER_FAMILY)],
}


def _replaceable(identifier: str, family: str) -> dict[str, int]:
    """Start, middle and end among the characters a byte may replace: any letter or digit of an
    e-mail address, the digits of a number (a damaged IBAN country code or token prefix is a
    documented limit, see damage.py)."""
    kept = [i for i, char in enumerate(identifier) if (char.isalnum() if family == "email" else char.isdigit())]
    return {"start": kept[0], "middle": kept[len(kept) // 2], "end": kept[-1]}


REPLACED = [
    pytest.param(family, position, id=f"{family}-{position}")
    for family in REPLACEABLE
    for position in ("start", "middle", "end")
]


@pytest.mark.parametrize(("family", "position"), REPLACED)
def test_a_character_replaced_by_an_invalid_byte_does_not_save_the_identifier(family: str, position: str) -> None:
    for identifier in REPLACEABLE[family]:
        at = _replaceable(identifier, family)[position]
        raw = identifier.encode()
        line = (b"user " + raw[:at] + b"\xff" + raw[at + 1 :] + b" ok").decode("utf-8", "replace")
        redacted = redact(line)
        assert f"[REDACTED:{family}]" in redacted, ascii(line)
        assert not _survivors(identifier, family, redacted), ascii(redacted)


def test_a_plain_card_number_with_a_digit_replaced_inside_is_redacted() -> None:
    for identifier in (_card(_RNG, separators=("",)) for _ in range(_PER_FAMILY)):
        for at in (1, len(identifier) // 2, len(identifier) - 2):
            redacted = redact(f"user {identifier[:at]}\ufffd{identifier[at + 1:]} ok")
            assert not _survivors(identifier, "card", redacted), ascii(redacted)

