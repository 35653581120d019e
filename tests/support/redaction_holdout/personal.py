"""Personal values for one locale: names, e-mails, phones and addresses from mimesis, network ids.

mimesis supplies names, streets, cities and postal codes; phone numbers follow each country's
numbering plan (area codes, grouping, trunk prefix) because mimesis' own are not plan-shaped.
"""

from __future__ import annotations

import ipaddress
import random
import unicodedata
from dataclasses import dataclass

from mimesis import Address, Person
from mimesis.enums import Gender
from mimesis.locales import Locale

from tests.support.redaction_holdout.locales import LocaleSpec

# Per country: (trunk prefix used in national dialling, [(area, subscriber pattern)]); N is a digit.
PHONE_PLANS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "nl-NL": ("0", (("6", "MNNNNNNN"), ("6", "MN NN NN NN"), ("20", "NNN NNNN"), ("10", "NNN NN NN"), ("70", "NNN NNNN"))),
    "pl-PL": ("", (("", "5NN NNN NNN"), ("", "6NN NNN NNN"), ("22", "NNN NN NN"), ("12", "NNN NN NN"))),
    "sv-SE": ("0", (("70", "NNN NN NN"), ("73", "NNN NN NN"), ("8", "NNN NNN NN"), ("31", "NN NN NN"))),
    "da-DK": ("", (("", "26 NN NN NN"), ("", "27NNNNNN"), ("", "28 NN NN NN"), ("", "67 NN NN NN"))),
    "cs-CZ": ("", (("", "60M NNN NNN"), ("", "77N NNN NNN"), ("", "2NN NNN NNN"))),
    "fi-FI": ("0", (("40", "NNN NNNN"), ("50", "NNN NNNN"), ("9", "MNNN NNN"), ("45", "NNNNNNN"))),
    "en-AU": (
        "0",
        (("40N", "NNN NNN"), ("42N", "NNN NNN"), ("43N", "NNN NNN"), ("2", "9NNN NNNN"), ("3", "9NNN NNNN"), ("8", "9NNN NNNN")),
    ),
    "en-CA": ("", (("416", "XNN NNNN"), ("604", "XNN NNNN"), ("514", "XNN NNNN"), ("613", "XNN NNNN"), ("403", "XNN NNNN"))),
    "tr-TR": ("0", (("53N", "NNN NN NN"), ("54N", "NNN NN NN"), ("212", "NNN NN NN"), ("312", "NNN NN NN"))),
    "pt-PT": ("", (("", "91N NNN NNN"), ("", "96N NNN NNN"), ("", "21N NNN NNN"), ("", "22N NNN NNN"))),
    "es-MX": ("", (("55", "NNNN NNNN"), ("33", "NNNN NNNN"), ("81", "NNNN NNNN"))),
    "nb-NO": ("", (("", "40N NN NNN"), ("", "41N NN NNN"), ("", "9NN NN NNN"), ("", "22 NN NN NN"))),
}
INTERNATIONAL_PREFIX = {"en-AU": "0011", "en-CA": "011"}  # what callers dial before the country code
EXTENSIONS = {
    "en-CA": (" ext. {n}", " x{n}", " ext {n}"),
    "en-AU": (" ext. {n}",),
    "nl-NL": (" toestel {n}",),
    "pl-PL": (" wew. {n}",),
    "sv-SE": (" ankn. {n}",),
    "fi-FI": (" alanro {n}",),
}
UNIT_SUFFIXES = {"nl-NL": ("-2", " A", "-H"), "pl-PL": ("/4", "/12", " m. 3"), "cs-CZ": ("/12",), "sv-SE": (" lgh 1102",)}
_FOLD = str.maketrans(
    {"ø": "o", "æ": "ae", "å": "a", "ł": "l", "\u0131": "i", "ß": "ss", "đ": "d", "Ø": "O", "Æ": "AE", "Ł": "L"}
)


@dataclass(frozen=True)
class Phone:
    """A phone number as written (the label) and an optional extension written after it (no label)."""

    number: str
    extension: str = ""


class PersonalSource:
    """Draws personal values for one locale; mimesis is seeded from the caller's random stream."""

    def __init__(self, spec: LocaleSpec, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        seed = rng.randrange(2**32)
        self.person = Person(Locale(spec.mimesis), seed=seed)
        self.address_source = Address(Locale(spec.mimesis), seed=seed + 1)

    def name(self) -> str:
        gender = self.rng.choice((Gender.FEMALE, Gender.MALE))
        style = self.rng.random()
        if style < 0.12:
            return self.person.full_name(gender=gender, reverse=True).replace(" ", ", ", 1)
        if style < 0.2:
            return f"{self.person.first_name(gender)} {self.person.first_name(gender)} {self.person.last_name(gender)}"
        return self.person.full_name(gender=gender)

    def first_last(self) -> tuple[str, str]:
        gender = self.rng.choice((Gender.FEMALE, Gender.MALE))
        return self.person.first_name(gender), self.person.last_name(gender)

    def email(self, name: str | None = None) -> str:
        if self.rng.random() < 0.2:
            return self.person.email()
        first, last = (name.replace(",", "").split()[0], name.split()[-1]) if name else self.first_last()
        first, last = _ascii(first).lower(), _ascii(last).lower()
        domain = self.rng.choice(self.spec.mail_domains)
        local = self.rng.choice(
            (
                f"{first}.{last}",
                f"{first[0]}.{last}",
                f"{first}{last}{self.rng.randrange(10, 99)}",
                f"{last}.{first}",
                f"{first}+{self.rng.choice(('news', 'shop', 'work'))}",
                f"{first}_{last}",
            )
        )
        return f"{local}@{domain}"

    def phone(self) -> Phone:
        trunk, plans = PHONE_PLANS[self.spec.code]
        area, pattern = self.rng.choice(plans)
        area = _fill(area, self.rng)
        subscriber = _fill(pattern, self.rng)
        compact = subscriber.replace(" ", "")
        code = self.spec.country_code
        exit_code = INTERNATIONAL_PREFIX.get(self.spec.code, "00")
        styles = [
            f"+{code} {area} {subscriber}".replace("  ", " "),
            f"{exit_code}{code} {area} {subscriber}".replace("  ", " "),
            f"+{code}{area}{compact}",
            f"{trunk}{area} {subscriber}".strip(),
        ]
        if area:
            styles += [f"({trunk}{area}) {subscriber}", f"{trunk}{area}-{compact}"]
            if trunk == "0":
                styles.append(f"+{code} (0){area} {subscriber}")
            if self.spec.code == "en-CA":
                styles += [
                    f"{area}.{compact[:3]}.{compact[3:]}",
                    f"1-{area}-{compact[:3]}-{compact[3:]}",
                    f"({area}) {compact[:3]}-{compact[3:]}",
                ]
        else:
            styles.append(subscriber.replace(" ", "-"))
        number = self.rng.choice(styles)
        extension = ""
        if self.spec.code in EXTENSIONS and self.rng.random() < 0.2:
            extension = self.rng.choice(EXTENSIONS[self.spec.code]).format(n=self.rng.randrange(10, 999))
        return Phone(number, extension)

    def street(self) -> str:
        line = self.address_source.address()
        if self.spec.code in UNIT_SUFFIXES and self.rng.random() < 0.25:
            line += self.rng.choice(UNIT_SUFFIXES[self.spec.code])
        return line

    def address(self) -> str:
        state = self.address_source.state(abbr=True).split("-")[-1]
        return self.spec.address_layout.format(
            street=self.street(), postal=self.address_source.postal_code(), city=self.address_source.city(), state=state
        )


def _fill(pattern: str, rng: random.Random) -> str:
    """N is any digit, X a digit 2-9 (say North American exchange codes), M a digit 1-5 (mobile ranges)."""
    ranges = {"N": (0, 10), "X": (2, 10), "M": (1, 6)}
    return "".join(str(rng.randrange(*ranges[char])) if char in ranges else char for char in pattern)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(char for char in folded if char.isascii() and (char.isalnum() or char == "-"))


def ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.randrange(1 << 24, 224 << 24))
        if address.is_global:
            return str(address)


def ipv6(rng: random.Random) -> str:
    prefix = rng.choice((0x2A02, 0x2001, 0x2A01, 0x2600, 0x2404, 0x2800, 0x2C0F))
    groups = [prefix, rng.randrange(0x1000, 0xFFFF)] + [rng.randrange(0, 0xFFFF) for _ in range(6)]
    if prefix == 0x2001 and groups[1] == 0x0DB8:
        groups[1] = 0x1C00
    if rng.random() < 0.5:  # a /64 with a short interface id is how many hosts look
        groups[4:7] = [0, 0, 0]
    address = ipaddress.IPv6Address(":".join(f"{group:x}" for group in groups))
    return rng.choice((address.compressed, address.compressed, address.exploded, address.compressed.upper()))


def mac(rng: random.Random) -> str:
    octets = [rng.randrange(256) for _ in range(6)]
    octets[0] &= 0xFE  # unicast
    hexes = [f"{octet:02x}" for octet in octets]
    style = rng.randrange(4)
    if style == 0:
        return ":".join(hexes)
    if style == 1:
        return "-".join(hexes).upper()
    if style == 2:
        return ".".join("".join(hexes[index : index + 2]) for index in range(0, 6, 2))
    return ":".join(hexes).upper()
