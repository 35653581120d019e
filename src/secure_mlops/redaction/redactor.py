"""The Redactor: gated detectors report spans, one pass replaces them.

Replacements name what was there: `[REDACTED:<kind>]` for a detected value (`email`, `card`,
`national_id`, `address`, `name`, `github_token`, ...: docs/redaction.md lists them), and
`[REDACTED:<key>]` for the value of a sensitive key, <key> being the configured key it matched
(`"firstName": "Jane"` gives `"firstName": "[REDACTED:first_name]"`).
Quotes, key names, URL schemes, users, hosts and ports stay, so a redacted line still reads, and
redacting twice changes nothing more.

A candidate that fails its check (Luhn, mod-97, the IP parser, a digit count, base64 of
`user:password`) is kept as it was. Loopback and unspecified addresses (127.x, 0.0.0.0, ::1, ::)
and the all-zero and broadcast MAC addresses are kept: they identify no one.

A text with a damaged character (an invalid byte decoded as U+FFFD or a surrogate, a stray control
byte, an invisible format character) is searched again with the damage seen through (`damage.py`);
an identifier found so is redacted with the damaged characters inside it. A card number or IBAN
broken by one is redacted on its shape when its check digits no longer add up.
"""

from __future__ import annotations

import binascii
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Final

from secure_mlops.errors import InputError
from secure_mlops.redaction import addresses, context, damage, encoded, names, national_ids, patterns, sql
from secure_mlops.redaction.checksums import iban_valid, luhn_valid
from secure_mlops.redaction.keys import KeyFinder
from secure_mlops.redaction.masks import is_masked
from secure_mlops.redaction.spans import Span, apply_spans, label, merge_spans
from secure_mlops.redaction.triggers import SHORT_WORD, Triggers

_Handler = Callable[[re.Match[str]], Span | None]

_DIGIT_RUNS: Final = re.compile(r"[0-9]+")
_IBAN_PIECES: Final = re.compile(r"[A-Z0-9]+")


def _whole(kind: str) -> _Handler:
    replacement = label(kind)
    return lambda match: (match.start(), match.end(), replacement)


def _group(name: str, kind: str) -> _Handler:
    """The group `name` of a match, unless it is already masked (`Bearer ****`)."""
    replacement = label(kind)

    def handle(match: re.Match[str]) -> Span | None:
        return None if is_masked(match[name]) else (match.start(name), match.end(name), replacement)

    return handle


# Whether a candidate (its characters, where it starts and ends in the searched text) is one.
_Check = Callable[[str, int, int], bool]


def _valid_prefix(text: str, offset: int, pieces: re.Pattern[str], valid: _Check, kind: str) -> Span | None:
    """The longest run of whole pieces at the start of a candidate that passes `valid`.

    A candidate can run on into a neighbour's digits (`4111 1111 1111 1111 5500`), so shorter
    runs are tried too. Runs that start later need no try: each group start is a candidate of
    its own (NUMBERS matches only a number's first character, see patterns.py).
    """
    found = list(pieces.finditer(text))
    for last in range(len(found) - 1, -1, -1):
        end = offset + found[last].end()
        if valid("".join(piece.group() for piece in found[: last + 1]), offset, end):
            return offset, end, label(kind)
    return None


def _card_shaped(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456"


def _card_number(digits: str) -> bool:
    return _card_shaped(digits) and luhn_valid(digits)


def _iban_shaped(compact: str) -> bool:
    return 15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()


def _strict(valid: Callable[[str], bool]) -> _Check:
    return lambda chars, _start, _end: valid(chars)


def _number_through(group: str, kind: str) -> _Handler:
    """A NUMBERS match is the number's first character; the number runs on to its group's end."""
    replacement = label(kind)
    return lambda match: (match.start(), match.end(group), replacement)


_PHONE_LABEL: Final = label("phone")


def _phone(match: re.Match[str], group: str) -> Span:
    """A phone number runs on to its group's end, and over its extension if one follows."""
    end = match.end(group)
    extension = patterns.PHONE_EXTENSION.match(match.string, end)
    return match.start(), extension.end() if extension else end, _PHONE_LABEL


def _phone_through(group: str) -> _Handler:
    return functools.partial(_phone, group=group)


def _card_checked(valid: _Check) -> _Handler:
    def card(match: re.Match[str]) -> Span | None:
        start = match.start()
        candidate = match.string[start : match.end("card")]
        return _valid_prefix(candidate, start, _DIGIT_RUNS, valid, "card")

    return card


def _iban_checked(valid: _Check) -> _Handler:
    def iban(match: re.Match[str]) -> Span | None:
        # The match is the first check digit; the country code is the two letters before it.
        start = match.start() - 2
        candidate = match.string[start : match.end("iban")]
        return _valid_prefix(candidate, start, _IBAN_PIECES, valid, "iban")

    return iban


def _phone_national(match: re.Match[str]) -> Span | None:
    group = match.lastgroup or ""
    start, end = match.start(), match.end(group)
    digits = sum(char.isdigit() for char in match.string[start:end])
    return _phone(match, group) if 9 <= digits <= 15 else None


def _iban_lower(match: re.Match[str]) -> Span | None:
    return _valid_prefix(match.group().upper(), match.start(), _IBAN_PIECES, _strict(iban_valid), "iban")


def _ipv4(match: re.Match[str]) -> Span | None:
    start, end = match.start(), match.end("ipv4")
    octets = [int(octet) for octet in match.string[start:end].split(".")]
    if max(octets) > 255 or octets[0] == 127 or not any(octets):
        return None
    return start, end, label("ip")


def _ipv6(match: re.Match[str]) -> Span | None:
    address = match.group()
    # A sentence or a `host:` may end right after the address (and `1::` ends in colons itself),
    # so trailing dots and colons are dropped one at a time until the address parses.
    while address:
        try:
            parsed = ipaddress.IPv6Address(address)
        except ValueError:  # its message quotes the candidate; nothing of it leaves this function
            if address[-1] not in ".:":
                return None
            address = address[:-1]
            continue
        if parsed.is_loopback or parsed.is_unspecified:
            return None
        return match.start(), match.start() + len(address), label("ip")
    return None


_MAC_LABEL: Final = label("mac")
_MAC_SEPARATORS: Final = re.compile(r"[:.\-]")
# All zeros and all ones: a placeholder and the broadcast address, in every spelling.
_PLACEHOLDER_MACS: Final = frozenset({"000000000000", "ffffffffffff"})


def _mac(match: re.Match[str]) -> Span | None:
    digits = _MAC_SEPARATORS.sub("", match.group()).lower()
    return None if digits in _PLACEHOLDER_MACS else (match.start(), match.end(), _MAC_LABEL)


_BASIC_LABEL: Final = label("basic")


def _basic(match: re.Match[str]) -> Span | None:
    encoded = match["credentials"]
    try:
        # Senders drop the padding now and then; it is restored before decoding.
        decoded = binascii.a2b_base64(encoded + "=" * (-len(encoded) % 4), strict_mode=True)
    except binascii.Error:  # not base64: a word after `Basic` (`Basic realm`, `Basic auth`)
        return None
    return (*match.span("credentials"), _BASIC_LABEL) if b":" in decoded else None


_SERVICE_KEY_LABELS: Final = {
    kind: label(kind) for kind in ("github_token", "slack_token", "stripe_key", "google_api_key", "openai_key")
}


def _service_key(match: re.Match[str]) -> Span:
    kind = match.lastgroup or ""
    return match.start(), match.end(), _SERVICE_KEY_LABELS[kind]


_CLI_PASSWORD_LABEL: Final = label("password")


def _cli_password(match: re.Match[str]) -> Span | None:
    group = match.lastgroup or ""
    if is_masked(match[group]):
        return None
    return match.start(group), match.end(group), _CLI_PASSWORD_LABEL


_UNCHECKED_NUMBERS: Final[dict[str, _Handler]] = {
    "phone_intl": _phone_through("phone_intl"),
    "phone_us_paren": _phone_through("phone_us_paren"),
    "phone_paren_national": _phone_national,
    "ssn": _number_through("ssn", "ssn"),
    "phone_us": _phone_through("phone_us"),
    "phone_national": _phone_national,
    "ipv4": _ipv4,
}


def _numbers(card: _Check, iban: _Check) -> _Handler:
    """The handler of NUMBERS matches, with these checks of card numbers and IBANs."""
    handlers = {**_UNCHECKED_NUMBERS, "card": _card_checked(card), "iban": _iban_checked(iban)}
    return lambda match: handlers[match.lastgroup or ""](match)


_NUMBER: Final = _numbers(_strict(_card_number), _strict(iban_valid))


def _numbers_in(view: damage.View) -> _Handler:
    """NUMBERS in a view of a damaged text, where a card number or IBAN that holds damage may pass
    on its shape (see damage.py): its check digits may be off by the digit a byte replaced."""

    def broken(start: int, end: int) -> bool:
        # One invalid sequence, not a run of binary junk. Dropped, a stray byte leaves the
        # number's own digits; read as a digit, it is a guess that only a grouped shape backs
        # (`4111 1111 1111 111\ufffd`): a plain run would take `540\ufffd100880739`, a 12-digit
        # count with a stray byte, for 13 digits.
        return 0 < view.damage(start, end) <= damage.MAX_DAMAGE and (
            not view.replaces or not view.text[start:end].isalnum()
        )

    def checked(valid: Callable[[str], bool], shaped: Callable[[str], bool]) -> _Check:
        if view.replaces:  # a guessed digit makes a checksum pass or fail by chance
            return lambda chars, start, end: shaped(chars) and broken(start, end)
        return lambda chars, start, end: valid(chars) or (shaped(chars) and broken(start, end))

    return _numbers(checked(_card_number, _card_shaped), checked(iban_valid, _iban_shaped))


def _number_shaped(shape: str, shaped: set[str]) -> bool:
    return "numbers" in shaped or bool(patterns.IPV4_SHAPE.search(shape) or patterns.INTL_PHONE_SHAPE.search(shape))


def _collect(pattern: re.Pattern[str], handle: _Handler, text: str, out: list[Span]) -> None:
    for match in pattern.finditer(text):
        span = handle(match)
        if span is not None:
            out.append(span)


_PRIVATE_KEY: Final = _whole("private_key")
_URL_PASSWORD: Final = _group("password", "password")
_BEARER: Final = _group("token", "bearer")
_JWT: Final = _whole("jwt")
_AWS_KEY_ID: Final = _whole("aws_key")
_VAULT_TOKEN: Final = _whole("vault_token")
_EMAIL_LABEL: Final = label("email")


def _email(match: re.Match[str]) -> Span | None:
    start = match.start()
    # `https://user:pw@host.example.com` is not the address `pw@host.example.com`: the URL
    # detector takes the password and the host stays.
    before = max(0, start - 512)
    if match.string.find("://", before, start) >= 0 and patterns.URL_USERINFO_END.search(match.string, before, start):
        return None
    return start, match.end(), _EMAIL_LABEL


# The literals of numbers' shapes (patterns.shape_of), found in one pass over the shape.
_SHAPE_TRIGGERS: Final = Triggers(
    {"numbers": patterns.NUMBER_SHAPES, "national_id": national_ids.SHAPES, "iban_lower": ("aa99",)}
)
_ADDRESS_TRIGGERS: Final = frozenset((*addresses.TRIGGER_WORDS, *addresses.TRIGGER_ENDINGS))
# Detectors after the keys, in priority order, each run when its literals are found.
_LITERAL_DETECTORS: Final[tuple[tuple[str, re.Pattern[str], _Handler], ...]] = (
    ("bearer", patterns.BEARER, _BEARER),
    ("basic", patterns.BASIC, _basic),
    ("cli_password", patterns.CLI_PASSWORD, _cli_password),
    ("client_password", patterns.CLIENT_PASSWORD, _cli_password),
    ("service_key", patterns.SERVICE_KEY, _service_key),
    ("jwt", patterns.JWT, _JWT),
    ("aws_key", patterns.AWS_KEY_ID, _AWS_KEY_ID),
    ("aws_key", patterns.AWS_SECRET, _whole("aws_secret")),
)


@functools.lru_cache(maxsize=16)
def _triggers(key_words: tuple[str, ...]) -> Triggers:
    """The one-pass search for the detectors' literals, cue words, street words, titles and `key_words`
    (built once per set of keys: an automaton takes milliseconds to build)."""
    # A short key word (`pan`, `tin`) hides in longer words (`span_id`, `string`): it counts whole.
    return Triggers(
        patterns.LITERALS,
        parts={"keys": [word for word in key_words if len(word) > SHORT_WORD]},
        words={**context.CUES, **addresses.TRIGGER_WORDS, "keys": [word for word in key_words if len(word) <= SHORT_WORD]},
        endings=addresses.TRIGGER_ENDINGS,
        located=names.TRIGGER_WORDS,
    )


class Redactor:
    """Removes PII and secrets from text; immutable after construction, so safe across threads.

    `extra_keys` are more field names whose values are sensitive (for example a data contract's
    identifier columns, `patient_id`), matched case-insensitively as whole names, with `_`, `-`,
    `.`, or a change of case between their words.
    """

    __slots__ = ("_keys", "_triggers", "extra_keys", "keys")

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        self._keys = KeyFinder(extra_keys)
        # The detectors' literals, the cue words, and a word of each key name (so a line without
        # one skips the key finder).
        self._triggers = _triggers(self._keys.trigger_words)
        self.keys: frozenset[str] = self._keys.keys
        """Every key whose value is redacted, default and extra."""
        self.extra_keys: frozenset[str] = self._keys.extra_keys
        """The extra keys as matched: lowercase, `_` between words (`patientId` is `patient_id`)."""

    def __repr__(self) -> str:
        return f"Redactor(keys={len(self.keys)})"

    def label_for(self, key: str) -> str | None:
        """The replacement for the whole value of a field named `key` (for structured records:
        log `extra=` fields, span attributes), or None if the name is not sensitive."""
        return self._keys.label_for(key)

    def redact(self, text: str) -> str:
        """`text` with every detected secret and piece of PII replaced by `[REDACTED:<kind>]`."""
        spans = self.spans(text)
        return apply_spans(text, spans) if spans else text

    def spans(self, text: str) -> list[Span]:
        """What `redact` replaces in `text`: (start, end, replacement), sorted and disjoint."""
        if not isinstance(text, str):
            raise InputError(f"redact() takes str, not {type(text).__name__}")
        spans: list[Span] = []
        # Numbers found by their cue word alone come last: a detector that knows the number's
        # form names it (`ssn 123-45-6789` is an ssn, not just a cued tax id).
        cued: list[Span] = []
        shape = patterns.shape_of(text)
        self._find(text, shape, _NUMBER, spans, cued)
        # Views: the text with its damage seen through, and with its percent-escapes decoded. The
        # shape marks the ASCII characters that may be damaged (damage.ASCII_DAMAGED).
        views: list[damage.View] = []
        if damage.CONTROL_MARK in shape or not text.isascii():
            views += damage.views(text)
        if "%" in text or "+" in text:
            views += encoded.views(text)
        for view in views:
            found: list[Span] = []
            self._find(view.text, patterns.shape_of(view.text), _numbers_in(view), found, None)
            spans += ((*view.original(start, end), replacement) for start, end, replacement in found)
        spans += cued
        return merge_spans(spans) if spans else spans

    def _find(
        self, text: str, shape: str, number: _Handler, spans: list[Span], cued: list[Span] | None
    ) -> None:
        # Each regex runs only on text that holds something it cannot match without (see
        # patterns.py and triggers.py). The order is the priority: of two spans that start
        # together, the one found first names the replacement (`"ssn": "..."` is labelled by its
        # key); spans of the text come before those of its views.
        found = self._triggers.found(text)
        if "private_key" in found:
            _collect(patterns.PRIVATE_KEY, _PRIVATE_KEY, text, spans)
        if "url" in found and "email" in found:
            _collect(patterns.URL_PASSWORD, _URL_PASSWORD, text, spans)
        if "keys" in found:
            self._keys.find(text, spans)
        if "sql_insert" in found:
            sql.find(text, self._keys.label_for, spans)
        if found:
            for name, pattern, handle in _LITERAL_DETECTORS:
                if name in found:
                    _collect(pattern, handle, text, spans)
        if patterns.VAULT_HINT.search(text):
            _collect(patterns.VAULT_TOKEN, _VAULT_TOKEN, text, spans)
        if "email" in found:
            _collect(patterns.EMAIL, _email, text, spans)
        shaped = _SHAPE_TRIGGERS.found(shape)
        if _number_shaped(shape, shaped):
            _collect(patterns.NUMBERS, number, text, spans)
        if "national_id" in shaped:
            national_ids.find(text, spans)
        if "iban_lower" in shaped and patterns.IBAN_LOWER_SHAPE.search(shape):
            _collect(patterns.IBAN_LOWER, _iban_lower, text, spans)
        if patterns.IPV6_HINT.search(text):
            _collect(patterns.IPV6, _ipv6, text, spans)
        if patterns.mac_hinted(text):
            _collect(patterns.MAC, _mac, text, spans)
        if not found.isdisjoint(_ADDRESS_TRIGGERS):
            addresses.find(text, found, spans)
        if found.ends:
            names.find(text, found.ends, spans)
        if "," in text:
            names.find_in_csv_cells(text, shape, spans)
        # Cued numbers are looked for in the text itself: in a view, the damage dropped beside a
        # number would be taken into its span.
        if cued is not None and not found.isdisjoint(context.CUES):
            context.find(text, found.intersection(context.CUES), cued)


@functools.cache
def default_redactor() -> Redactor:
    """The shared Redactor with the default keys, built on first use."""
    return Redactor()


def redact(text: str) -> str:
    """`text` redacted with the default keys."""
    return default_redactor().redact(text)
