"""Generated PII never survives redaction; generated benign log lines come out unchanged."""

from __future__ import annotations

import base64
import ipaddress
import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from secure_mlops.redaction import redact
from secure_mlops.redaction.checksums import iban_valid, luhn_valid

SETTINGS = settings(max_examples=150, deadline=None)

_LOWER_DIGITS = string.ascii_lowercase + string.digits


def _luhn_check_digit(body: str) -> str:
    return next(d for d in string.digits if luhn_valid(body + d))


def _grouped(digits: str, separator: str) -> str:
    """Groups of four, a remainder under three joining the last group (4-4-4-4-3, 4-4-5)."""
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    if len(groups) > 2 and len(groups[-1]) < 3:
        groups[-2:] = [groups[-2] + groups[-1]]
    return separator.join(groups)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    body = draw(st.sampled_from("23456")) + draw(
        st.text(string.digits, min_size=length - 2, max_size=length - 2)
    )
    digits = body + _luhn_check_digit(body)
    return _grouped(digits, draw(st.sampled_from(["", " ", "-"])))


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.text(string.ascii_uppercase, min_size=2, max_size=2))
    bban = draw(st.text(string.ascii_uppercase + string.digits, min_size=11, max_size=30))
    numeric = "".join(str(int(char, 36)) for char in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    assert iban_valid(iban)
    return _grouped(iban, draw(st.sampled_from(["", " "])))


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.text(_LOWER_DIGITS, min_size=1, max_size=12)) + draw(
        st.text(_LOWER_DIGITS + "._+-", max_size=12)
    )
    labels = draw(st.lists(st.text(_LOWER_DIGITS, min_size=1, max_size=10), min_size=1, max_size=3))
    tld = draw(st.text(string.ascii_lowercase, min_size=2, max_size=6))
    return f"{local}@{'.'.join(labels)}.{tld}"


@st.composite
def ssns(draw: st.DrawFn) -> str:
    area = draw(st.integers(1, 899).filter(lambda a: a != 666))
    return f"{area:03d}-{draw(st.integers(1, 99)):02d}-{draw(st.integers(1, 9999)):04d}"


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # North American
        area, exchange = draw(st.integers(200, 999)), draw(st.integers(0, 999))
        layout = draw(st.sampled_from(["({}) {:03d}-{:04d}", "{}-{:03d}-{:04d}", "+1 {} {:03d} {:04d}"]))
        return layout.format(area, exchange, draw(st.integers(0, 9999)))
    country = str(draw(st.integers(1, 999)))
    national = draw(st.text(string.digits, min_size=8 - len(country), max_size=15 - len(country)))
    groups = [national[i : i + 3] for i in range(0, len(national), 3)]
    return f"+{country} {' '.join(groups)}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@st.composite
def jwts(draw: st.DrawFn) -> str:
    header = _b64url(json.dumps({"alg": draw(st.sampled_from(["HS256", "RS256"]))}).encode())
    claims = {"sub": draw(st.text(_LOWER_DIGITS, min_size=1, max_size=20))}
    signature = _b64url(draw(st.binary(min_size=16, max_size=64)))
    return f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}"


ipv4s = st.tuples(
    st.integers(1, 223).filter(lambda first: first != 127),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
).map(lambda octets: ".".join(map(str, octets)))
ipv6s = st.integers(2**64, 2**128 - 1).map(
    lambda value: str(ipaddress.IPv6Address(value))
)
pii = st.one_of(card_numbers(), ibans(), emails(), ssns(), phone_numbers(), jwts(), ipv4s, ipv6s)

_WORDS = ["INFO", "user", "request", "ok", "failed", "status=200", "step", "payload", "for"]
words = st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join)
# How PII sits in a line: bare, a field value, quoted, in brackets.
templates = st.sampled_from(
    ["{}", "value={}", 'field="{}"', "({})", "[{}]", "'{}',", '{{"data": "{}"}}', "<{}>"]
)


@SETTINGS
@given(before=words, value=pii, template=templates, after=words)
def test_generated_pii_never_survives_redaction(
    before: str, value: str, template: str, after: str
) -> None:
    line = f"{before} {template.format(value)} {after}"
    assert value not in redact(line)


@SETTINGS
@given(value=pii)
def test_redacting_twice_changes_nothing_more(value: str) -> None:
    once = redact(f"seen {value} here")
    assert redact(once) == once


hex_ids = st.integers(0, 2**128 - 1).map(lambda value: f"{value:032x}")
timestamps = st.datetimes().map(lambda moment: moment.isoformat(timespec="microseconds") + "Z")
benign_tokens = st.one_of(
    timestamps,
    st.uuids().map(str),
    st.tuples(st.integers(0, 30), st.integers(0, 99), st.integers(0, 99)).map(
        lambda parts: "v{}.{}.{}".format(*parts)
    ),
    st.builds("trace_id={}".format, hex_ids),
    st.builds("span_id={}".format, hex_ids.map(lambda value: value[:16])),
    st.builds("rows={}".format, st.integers(0, 10**12)),
    st.builds("latency_ms={:.2f}".format, st.floats(0, 10**5)),
    st.builds("loss={:.4f}".format, st.floats(0, 10)),
    st.builds("port={}".format, st.integers(1, 65535)),
    st.builds("sha256={}".format, st.integers(0, 2**256 - 1).map(lambda value: f"{value:064x}")),
    st.builds(
        "/data/{}/part-{:05d}.parquet".format,
        st.text(string.ascii_lowercase, min_size=1, max_size=8),
        st.integers(0, 99999),
    ),
    st.sampled_from(["INFO", "DEBUG", "secure_mlops.training:", "epoch", "done", "|", "-"]),
)


@SETTINGS
@given(tokens=st.lists(benign_tokens, min_size=1, max_size=12))
def test_generated_benign_log_lines_are_unchanged(tokens: list[str]) -> None:
    line = " ".join(tokens)
    assert redact(line) == line

