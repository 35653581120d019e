"""Issuer-valid identity numbers, tax numbers, IBANs and card numbers for the held-out locales.

Every generator returns the number as people write it (with or without the usual separators),
drawn with the caller's `random.Random` so a seed fixes the corpus. The check digits follow each
issuer's published rule; tests/unit/test_redaction_holdout.py re-validates them with python-stdnum.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Callable

from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

from tests.support.redaction_holdout.checksums import iban_check_digits, luhn_digit, weighted

Gen = Callable[[random.Random], str]


def _digits(rng: random.Random, count: int, first: str = "0123456789") -> str:
    return rng.choice(first) + "".join(rng.choice(string.digits) for _ in range(count - 1))


def _birth(rng: random.Random, start: int = 1948, end: int = 2005) -> dt.date:
    return dt.date(start, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(end, 12, 31) - dt.date(start, 1, 1)).days))


def _retry(make: Callable[[], str | None]) -> str:
    """Draw until the candidate gets a valid check digit (some draws have none)."""
    while True:
        value = make()
        if value is not None:
            return value


# --- national identity numbers -----------------------------------------------------------------


def bsn_compact(rng: random.Random) -> str:
    """Dutch burgerservicenummer: nine digits passing the 11-test (last weight -1)."""

    def make() -> str | None:
        head = _digits(rng, 8, "123456")
        check = weighted(head, range(9, 1, -1)) % 11
        return None if check > 9 else head + str(check)

    return _retry(make)


def bsn(rng: random.Random) -> str:
    value = bsn_compact(rng)
    return rng.choice([value, f"{value[:4]}.{value[4:6]}.{value[6:]}", f"{value[:3]} {value[3:6]} {value[6:]}"])


def pesel(rng: random.Random) -> str:
    born = _birth(rng)
    month = born.month + (20 if born.year >= 2000 else 0)
    head = f"{born.year % 100:02d}{month:02d}{born.day:02d}" + _digits(rng, 4)
    check = (10 - weighted(head, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10) % 10
    return head + str(check)


def personnummer(rng: random.Random) -> str:
    born = _birth(rng)
    head = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}" + _digits(rng, 3)
    tail = head[6:] + luhn_digit(head)
    return rng.choice([f"{head[:6]}-{tail}", f"{born.year // 100}{head[:6]}-{tail}", f"{born.year // 100}{head[:6]}{tail}"])


def cpr(rng: random.Random) -> str:
    """Danish CPR: DDMMYY-SSSS, serial's first digit fixing the century; drawn mod-11 valid."""

    def make() -> str | None:
        born = _birth(rng, 1948, 1999)
        head = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}" + rng.choice("0123") + _digits(rng, 2)
        rest = -weighted(head, (4, 3, 2, 7, 6, 5, 4, 3, 2)) % 11
        return None if rest > 9 else f"{head[:6]}-{head[6:]}{rest}"

    return _retry(make)


def rodne_cislo(rng: random.Random) -> str:
    """Czech birth number: YYMMDD/XXXX (women +50 on the month), the 10 digits divisible by 11."""

    def make() -> str | None:
        born = _birth(rng, 1955, 2005)
        month = born.month + rng.choice((0, 50))
        head = f"{born.year % 100:02d}{month:02d}{born.day:02d}" + _digits(rng, 3)
        check = int(head) % 11
        return None if check == 10 else f"{head[:6]}/{head[6:]}{check}"

    return _retry(make)


def hetu(rng: random.Random) -> str:
    born = _birth(rng)
    serial = f"{rng.randrange(2, 900):03d}"
    base = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}"
    check = "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(base + serial) % 31]
    return f"{base}{'A' if born.year >= 2000 else '-'}{serial}{check}"


def tckimlik(rng: random.Random) -> str:
    head = _digits(rng, 9, "123456789")
    d = [int(char) for char in head]
    tenth = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    eleventh = (sum(d) + tenth) % 10
    return f"{head}{tenth}{eleventh}"


def fodselsnummer(rng: random.Random) -> str:
    def make() -> str | None:
        born = _birth(rng, 1948, 1999)
        head = f"{born.day:02d}{born.month:02d}{born.year % 100:02d}" + f"{rng.randrange(0, 500):03d}"
        k1 = 11 - weighted(head, (3, 7, 6, 1, 8, 9, 4, 5, 2)) % 11
        k1 = 0 if k1 == 11 else k1
        if k1 == 10:
            return None
        k2 = 11 - weighted(head + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)) % 11
        k2 = 0 if k2 == 11 else k2
        return None if k2 == 10 else f"{head}{k1}{k2}"

    return _retry(make)


def pt_cc(rng: random.Random) -> str:
    """Portuguese Cartão de Cidadão: 8 digits, check digit, 2 version chars, final check digit."""
    civil = _digits(rng, 8, "123456789")
    first = (11 - weighted(civil, range(9, 1, -1)) % 11) % 11 % 10
    version = rng.choice(("ZZ", "ZY", "ZX", "ZW"))
    body = civil + str(first) + version
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char, 36)
        if index % 2 == 0:
            value = value * 2 - 9 if value * 2 > 9 else value * 2
        total += value
    return f"{civil} {first} {version}{(10 - total % 10) % 10}"


_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"
_MX_STATES = ("AS", "BC", "CH", "DF", "GT", "JC", "MC", "MN", "NL", "OC", "PL", "QT", "SL", "SP", "VZ", "YN")


def curp(rng: random.Random) -> str:
    """CURP with a valid date, state and check digit; drawn again when the four letters spell a word
    the registry refuses (python-stdnum's list is used only to reject such draws)."""
    while True:
        value = _curp(rng)
        if stdnum_curp.is_valid(value):
            return value


def _curp(rng: random.Random) -> str:
    born = _birth(rng, 1950, 2004)
    letters = rng.choice("BCGHLMPRSTV") + rng.choice("AEIOU") + rng.choice("BCGHLMPRSTV") + rng.choice("AEIJLMR")
    body = (
        letters
        + born.strftime("%y%m%d")
        + rng.choice("HM")
        + rng.choice(_MX_STATES)
        + "".join(rng.choice("BCDFGHLMNPRSTVZ") for _ in range(3))
        + ("0" if born.year < 2000 else "A")
    )
    total = sum(_CURP_ALPHABET.index(char) * (18 - index) for index, char in enumerate(body))
    return body + str((10 - total % 10) % 10)


def passport(country: str) -> Gen:
    """Passport numbers in the issuing country's layout (no public check digit outside the MRZ)."""

    def make(rng: random.Random) -> str:
        upper = string.ascii_uppercase
        if country == "nl":  # 2 letters, 6 letters/digits, 1 digit; the letter O is never used
            pool = upper.replace("O", "") + string.digits
            return (
                "".join(rng.choice(upper.replace("O", "")) for _ in range(2))
                + "".join(rng.choice(pool) for _ in range(6))
                + rng.choice(string.digits)
            )
        if country in {"ca", "pl", "au"}:
            letters = 2 if country != "au" else 1
            return "".join(rng.choice(upper) for _ in range(letters)) + _digits(rng, 7 if country != "ca" else 6)
        return "".join(rng.choice(upper + string.digits) for _ in range(9))

    return make


def medicare(rng: random.Random) -> str:
    """Australian Medicare card number: 8 digits, weighted check digit, issue digit."""
    head = _digits(rng, 8, "23456")
    check = weighted(head, (1, 3, 7, 9, 1, 3, 7, 9)) % 10
    full = f"{head}{check}{rng.randrange(1, 6)}"
    return rng.choice([full, f"{full[:4]} {full[4:9]} {full[9]}"])


# --- tax numbers -------------------------------------------------------------------------------


def nl_btw(rng: random.Random) -> str:
    return f"NL{bsn_compact(rng)}B{rng.randrange(1, 20):02d}"


def pl_nip(rng: random.Random) -> str:
    def make() -> str | None:
        head = _digits(rng, 9, "123456789")
        check = weighted(head, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
        if check == 10:
            return None
        value = head + str(check)
        return rng.choice([value, f"{value[:3]}-{value[3:6]}-{value[6:8]}-{value[8:]}", f"PL{value}"])

    return _retry(make)


def se_orgnr(rng: random.Random) -> str:
    head = rng.choice(("556", "559", "802", "716")) + _digits(rng, 6)
    value = head + luhn_digit(head)
    return rng.choice([f"{value[:6]}-{value[6:]}", f"SE{value}01"])


def dk_cvr(rng: random.Random) -> str:
    def make() -> str | None:
        head = _digits(rng, 7, "123456789")
        check = -weighted(head, (2, 7, 6, 5, 4, 3, 2)) % 11
        return None if check > 9 else rng.choice(["", "DK", "DK "]) + head + str(check)

    return _retry(make)


def cz_dic(rng: random.Random) -> str:
    head = _digits(rng, 7, "12345678")
    check = (11 - weighted(head, range(8, 1, -1)) % 11) % 10
    return f"CZ{head}{check}"


def fi_ytunnus(rng: random.Random) -> str:
    def make() -> str | None:
        head = _digits(rng, 7, "0123")
        rest = weighted(head, (7, 9, 10, 5, 8, 4, 2)) % 11
        if rest == 1:
            return None
        check = 0 if rest == 0 else 11 - rest
        return rng.choice([f"{head}-{check}", f"FI{head}{check}"])

    return _retry(make)


def au_tfn(rng: random.Random) -> str:
    def make() -> str | None:
        head = _digits(rng, 8, "123456789")
        for last in string.digits:
            if weighted(head + last, (1, 4, 3, 7, 5, 8, 6, 9, 10)) % 11 == 0:
                value = head + last
                return rng.choice([value, f"{value[:3]} {value[3:6]} {value[6:]}"])
        return None

    return _retry(make)


def au_abn(rng: random.Random) -> str:
    """11 digits: subtract 1 from the first, weight, the sum divisible by 89."""
    body = _digits(rng, 9)
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    total = weighted(body, weights[2:])
    for lead in range(11, 100):
        digits = [lead // 10 - 1, lead % 10]
        if (digits[0] * 10 + digits[1] * 1 + total) % 89 == 0 and lead // 10 > 0:
            value = f"{lead}{body}"
            return f"{value[:2]} {value[2:5]} {value[5:8]} {value[8:]}"
    return au_abn(rng)


def ca_sin(rng: random.Random) -> str:
    head = _digits(rng, 8, "1234567")
    value = head + luhn_digit(head)
    return rng.choice([value, f"{value[:3]} {value[3:6]} {value[6:]}", f"{value[:3]}-{value[3:6]}-{value[6:]}"])


def us_ssn(rng: random.Random) -> str:
    """Area 001-899 except 666, group 01-99, serial 0001-9999."""
    area = rng.choice([number for number in range(1, 900) if number != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def tr_vkn(rng: random.Random) -> str:
    head = _digits(rng, 9)
    total = 0
    for index, char in enumerate(head):
        shifted = (int(char) + 9 - index) % 10
        part = (shifted * 2 ** (9 - index)) % 9
        total += 9 if shifted != 0 and part == 0 else part
    return head + str((10 - total % 10) % 10)


def pt_nif(rng: random.Random) -> str:
    head = _digits(rng, 8, "12356")
    check = 11 - weighted(head, range(9, 1, -1)) % 11
    value = head + str(0 if check >= 10 else check)
    return rng.choice([value, f"PT{value}", f"{value[:3]} {value[3:6]} {value[6:]}"])


_RFC_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"


def mx_rfc(rng: random.Random) -> str:
    while True:
        value = _mx_rfc(rng)
        if stdnum_rfc.is_valid(value, validate_check_digits=True):
            return value


def _mx_rfc(rng: random.Random) -> str:
    born = _birth(rng, 1950, 2004)
    body = (
        rng.choice("BCGHLMPRSTV")
        + rng.choice("AEIOU")
        + rng.choice("BCGHLMPRSTV")
        + rng.choice("AEIJLMR")
        + born.strftime("%y%m%d")
        + rng.choice("123456789ABCDEFGHJKLMNPRSTUV")
        + rng.choice("123456789ABCDEFGHJKLMNPRSTUVWXYZ")
    )
    total = sum(_RFC_ALPHABET.index(char) * (13 - index) for index, char in enumerate(body))
    check = 11 - total % 11
    return body + {11: "0", 10: "A"}.get(check, str(check))


def es_dni(rng: random.Random) -> str:
    number = _digits(rng, 8)
    return number + "TRWAGMYFPDXBNJZSQVHLCKE"[int(number) % 23]


def no_orgnr(rng: random.Random) -> str:
    def make() -> str | None:
        head = _digits(rng, 8, "89")
        check = 11 - weighted(head, (3, 2, 7, 6, 5, 4, 3, 2)) % 11
        if check == 10:
            return None
        value = head + str(0 if check == 11 else check)
        return rng.choice([value, f"{value[:3]} {value[3:6]} {value[6:]}", f"NO{value}MVA"])

    return _retry(make)


# --- IBANs -------------------------------------------------------------------------------------


def _bban(country: str, rng: random.Random) -> str:
    """The national account part, with its domestic check digits where the country has them."""
    if country == "NL":
        while True:  # historic Dutch account 11-test on the 10 digits
            account = _digits(rng, 10, "0123456789")
            if weighted(account, range(10, 0, -1)) % 11 == 0:
                return rng.choice(("ABNA", "INGB", "RABO", "TRIO", "SNSB", "ASNB", "KNAB", "BUNQ")) + account
    if country == "PL":
        bank = rng.choice(("1020", "1090", "1140", "1240", "1050", "1160")) + _digits(rng, 3)
        return bank + str((10 - weighted(bank, (3, 9, 7, 1, 3, 9, 7)) % 10) % 10) + _digits(rng, 16)
    if country == "SE":
        return rng.choice(("500", "800", "600", "300")) + _digits(rng, 17)
    if country == "DK":
        return _digits(rng, 4, "123456789") + _digits(rng, 10)
    if country == "CZ":
        while True:
            account = _digits(rng, 10)
            if weighted(account, (6, 3, 7, 9, 10, 5, 8, 4, 2, 1)) % 11 == 0:
                return rng.choice(("0800", "0100", "0300", "2010", "5500")) + "000000" + account
    if country == "FI":
        head = rng.choice(("1", "2", "5", "8")) + _digits(rng, 12)
        return head + luhn_digit(head)
    if country == "TR":
        return _digits(rng, 5) + "0" + _digits(rng, 16)
    if country == "PT":
        body = rng.choice(("0002", "0007", "0033", "0035", "0010")) + _digits(rng, 15)
        return body + f"{98 - int(body + '00') % 97:02d}"
    if country == "NO":
        while True:
            head = _digits(rng, 10, "123456789")
            check = 11 - weighted(head, (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)) % 11
            if check != 10:
                return head + str(0 if check == 11 else check)
    raise ValueError(country)


IBAN_COUNTRIES = {"NL": 18, "PL": 28, "SE": 24, "DK": 18, "CZ": 24, "FI": 18, "TR": 26, "PT": 25, "NO": 15}


def iban(country: str, rng: random.Random) -> str:
    bban = _bban(country, rng)
    compact = country + iban_check_digits(country, bban) + bban
    assert len(compact) == IBAN_COUNTRIES[country], compact
    grouped = " ".join(compact[start : start + 4] for start in range(0, len(compact), 4))
    return rng.choice([compact, grouped, grouped])


# --- payment cards -----------------------------------------------------------------------------


def card(rng: random.Random) -> str:
    brand = rng.choice(("visa", "mastercard", "mastercard2", "amex", "discover", "jcb", "visa"))
    prefix, length = {
        "visa": ("4", 16),
        "mastercard": (str(rng.randrange(51, 56)), 16),
        "mastercard2": (str(rng.randrange(2221, 2721)), 16),
        "amex": (rng.choice(("34", "37")), 15),
        "discover": ("6011", 16),
        "jcb": (str(rng.randrange(3528, 3590)), 16),
    }[brand]
    head = prefix + _digits(rng, length - len(prefix) - 1)
    number = head + luhn_digit(head)
    separator = rng.choice(("", " ", "-", " "))
    if length == 15:
        return separator.join((number[:4], number[4:10], number[10:]))
    return separator.join(number[start : start + 4] for start in range(0, 16, 4))
