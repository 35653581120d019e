"""Sensitive keys: the value of a field named like PII or a secret goes, whatever it looks like.

Covers `key=value` (logfmt, query strings, kwargs), `key: value` (headers, YAML), JSON
(`"email": "..."`, also escaped inside another JSON string) and Python reprs (`'ssn': '...'`,
`name='...'`). A key's words may be joined by `_`, `-`, `.` or nothing, in any case
(`first_name`, `first-name`, `firstName`, `FIRST_NAME` are one key). A key also matches as the
last words of a longer name (`DB_PASSWORD`, `githubToken`, `x-api-key`), except `name` and
`address`: `file_name`, `model_name` and `ip_address` are mostly not personal, so those two (and
extra keys) must be the whole name. `filename` and `pathname` are single words and never match.

Finding keys: a regex over a whole line for ~30 names costs microseconds, so the finder searches
the lowercased line for each key's last word with `str.find` (fast), and only at a hit looks at
the word around it, the separator after it, and the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from secure_mlops.errors import InputError
from secure_mlops.redaction.spans import Span

DEFAULT_SENSITIVE_KEYS: Final = (
    "name",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "ssn",
    "dob",
    "date_of_birth",
    "birth_date",
    "address",
    "street",
    "phone",
    "password",
    "passwd",
    "pwd",
    "token",
    "access_token",
    "refresh_token",
    "secret",
    "secret_key",
    "api_key",
    "apikey",
    "private_key",
    "authorization",
    "credit_card",
    "card_number",
    "iban",
)
WHOLE_WORD_ONLY_KEYS: Final = frozenset({"name", "address"})
# AWS credentials by their usual names; their values carry the aws_secret label.
AWS_SECRET_KEYS: Final = ("aws_secret_access_key", "secret_access_key", "aws_session_token")

_VALID_KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]*")
# Words of a key: snake, kebab, dotted and camelCase (`DB_PASSWORD`, `githubToken`, `s3a.key`).
_WORD_PARTS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_KEY_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_REST_OF_WORD: Final = re.compile(r"[A-Za-z0-9_.\-]*")
# After the key: an optional closing quote ("email": / 'email': / \"email\":), then `=` or `:`
# (not `::` or `://`), and `==` tolerated.
_SEPARATOR: Final = re.compile(r"(?:\\?[\"'])?[ \t]*(?:(?P<eq>=)|:(?![:/]))=?[ \t]*")

_QUOTED: Final = (
    r'"(?:[^"\\\n]|\\.)*"'  # "json or logfmt"
    r"|'(?:[^'\\\n]|\\.)*'"  # 'python repr'
    r'|\\"(?:[^\\\n]|\\[^"\n])*\\"'  # \"json inside a json string\"
    r"|\[[^\[\]{}\n]*\]"  # [a, list, of, scalars]
)
# `key=value` is logfmt or a query string: the value is one token (and `Bearer xyz` is one value).
_EQUALS_VALUE: Final = re.compile(
    rf"{_QUOTED}|(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]+[^\s,;&\"]+|(?![\[{{(])[^\s,;&\"]+",
    re.ASCII,
)
# `key: value` is a header or YAML: the value runs to the end of the line, a `,`/`;`/`"`, or the
# next `word:`/`word=` field, so `name: Jane Doe` loses the whole name.
_COLON_VALUE: Final = re.compile(
    rf"{_QUOTED}|(?![\[{{(])[^\s,;\"][^\r\n,;\"]*?(?=[ \t]*(?:[,;\"\r\n]|\Z)|[ \t]+[\w.\-]+[=:])",
    re.ASCII,
)
# Characters that close the context around an unquoted value (`(password=x)`), not the value.
_VALUE_CLOSERS: Final = ")]}>'"
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def key_words(key: str) -> list[str]:
    """The lowercase words of a key name: `patientId` and `patient-id` give ['patient', 'id']."""
    return [part.lower() for part in _WORD_PARTS.findall(key)]


def _label(key: str) -> str:
    return f"[REDACTED:{key}]"


def _value_span(value: re.Match[str], replacement: str) -> Span:
    start, end = value.span()
    text = value.group()
    if text.startswith('\\"'):
        return start + 2, end - 2, replacement
    if text[0] in "\"'":
        return start + 1, end - 1, replacement
    if text[0] == "[":
        return start, end, replacement
    return start, start + len(text.rstrip(_VALUE_CLOSERS)), replacement


class KeyFinder:
    """Finds the values of sensitive keys; immutable after construction."""

    __slots__ = ("_labels", "_stems", "_suffix_labels", "keys")

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        if isinstance(extra_keys, str):
            raise InputError("extra_keys must be a collection of key names, not one string")
        extras = []
        for key in extra_keys:
            if not isinstance(key, str) or not _VALID_KEY.fullmatch(key.strip()):
                raise InputError("extra key names hold letters, digits, '_', '-', '.' and spaces")
            extras.append("_".join(key_words(key)))
        self.keys: frozenset[str] = frozenset(DEFAULT_SENSITIVE_KEYS) | frozenset(extras)
        """Every key whose value is redacted (besides the AWS credential names)."""

        suffixes = [key for key in DEFAULT_SENSITIVE_KEYS if key not in WHOLE_WORD_ONLY_KEYS]
        self._suffix_labels: dict[str, str] = {}
        for key in (*suffixes, *AWS_SECRET_KEYS):
            label = _label("aws_secret" if key in AWS_SECRET_KEYS else key)
            self._suffix_labels.setdefault("".join(key_words(key)), label)
        self._labels: dict[str, str] = dict(self._suffix_labels)
        for key in (*DEFAULT_SENSITIVE_KEYS, *extras):
            self._labels.setdefault("".join(key_words(key)), _label(key))
        # Every spelling of a key contains its last word; a last word that contains another
        # (`apikey` holds `key`) adds nothing.
        last_words = {key.rsplit("_", 1)[-1] for key in (*self.keys, *AWS_SECRET_KEYS)}
        self._stems: tuple[str, ...] = tuple(
            sorted(w for w in last_words if not any(o != w and o in w for o in last_words))
        )

    def label_for(self, key: str) -> str | None:
        """The replacement for the value of a field named `key`, or None if it is not sensitive."""
        words = key_words(key)
        label = self._labels.get("".join(words))
        if label is None:
            for first in range(1, len(words)):
                label = self._suffix_labels.get("".join(words[first:]))
                if label is not None:
                    break
        return label

    def find(self, text: str, shape: bytes, out: list[Span]) -> None:
        """Append a span for each sensitive key's value in `text`."""
        lowered = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
        for stem in self._stems:
            hit = lowered.find(stem)
            while hit != -1:
                self._value_after(text, hit, hit + len(stem), out)
                hit = lowered.find(stem, hit + len(stem))

    def _value_after(self, text: str, hit: int, stem_end: int, out: list[Span]) -> None:
        word_end = _REST_OF_WORD.match(text, stem_end).end()  # type: ignore[union-attr]
        separator = _SEPARATOR.match(text, word_end)
        if separator is None:
            return
        word_start = hit
        while word_start and text[word_start - 1] in _KEY_CHARS:
            word_start -= 1
        label = self.label_for(text[word_start:word_end])
        if label is None:
            return
        values = _EQUALS_VALUE if separator["eq"] else _COLON_VALUE
        value = values.match(text, separator.end())
        if value is not None:
            out.append(_value_span(value, label))
