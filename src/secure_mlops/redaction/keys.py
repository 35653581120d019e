"""Sensitive keys: the value of a field named like PII or a secret goes, whatever it looks like.

Covers `key=value` (logfmt, query strings, kwargs), `key: value` (headers, YAML), JSON
(`"email": "..."`, also escaped inside another JSON string) and Python reprs (`'ssn': '...'`,
`name='...'`). A key's words may be joined by `_`, `-`, `.` or nothing, in any case
(`first_name`, `first-name`, `firstName`, `FIRST_NAME` are one key). A key also matches as the
last words of a longer name (`DB_PASSWORD`, `githubToken`, `x-api-key`), except `name` and
`address`: `file_name`, `model_name` and `ip_address` are mostly not personal, so those two (and
extra keys) must be the whole name. `filename` and `pathname` are single words and never match.
The whole value goes: a quoted string (its quotes stay), a list, an object (nested once), one
token after `=`, or the rest of the field after `:`.

Finding keys: a forward regex for ~30 names must try every position of a line, which costs
microseconds per line in CPython. Instead the finder reverses the line and matches the reversed
key names right after each `=` and `:`: a regex that starts with a literal jumps from one `=` to
the next at memchr speed, and only tries the names there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from secure_mlops.errors import InputError
from secure_mlops.redaction.masks import is_masked
from secure_mlops.redaction.names import looks_like_name
from secure_mlops.redaction.spans import Span, label

DEFAULT_SENSITIVE_KEYS: Final = (
    # people: names, contact details, addresses, dates of birth
    "name",
    "first_name",
    "last_name",
    "full_name",
    "given_name",
    "family_name",
    "middle_name",
    "maiden_name",
    "surname",
    "forename",
    "display_name",
    "customer_name",
    "contact_name",
    "patient_name",
    "cardholder_name",
    "holder_name",
    "recipient_name",
    "sender_name",
    "client_name",
    "member_name",
    "employee_name",
    "person_name",
    "owner_name",
    "account_name",
    "billing_name",
    "shipping_name",
    "email",
    "email_address",
    "mail",
    "phone",
    "phone_number",
    "tel",
    "telephone",
    "mobile",
    "mobile_number",
    "msisdn",
    "address",
    "street",
    "street_address",
    "home_address",
    "postal_address",
    "mailing_address",
    "billing_address",
    "shipping_address",
    "delivery_address",
    "user_address",
    "customer_address",
    "client_address",
    "address_line1",
    "address_line2",
    "dob",
    "date_of_birth",
    "birth_date",
    "birthday",
    # identity and tax numbers, by their international and national names
    "ssn",
    "social_security_number",
    "national_id",
    "national_id_number",
    "id_number",
    "identity_number",
    "id_card",
    "id_card_number",
    "passport",
    "passport_number",
    "passport_no",
    "driver_license",
    "drivers_license",
    "tax_id",
    "tax_number",
    "taxpayer_id",
    "tin",
    "bsn",
    "pesel",
    "dni",
    "nie",
    "nif",
    "cpf",
    "personnummer",
    "steuer_id",
    "codice_fiscale",
    "social_insurance_number",
    "sin",
    "tax_file_number",
    "tfn",
    "nip",
    "tckn",
    "kimlik_no",
    "tc_no",
    "vkn",
    "vergi_no",
    "fodselsnummer",
    "fnr",
    "hetu",
    "henkilotunnus",
    "rodne_cislo",
    "birth_number",
    "sofinummer",
    "nss",
    "curp",
    "rfc",
    "personal_number",
    "personal_id",
    "personal_code",
    "identification_number",
    "document_number",
    "license_number",
    "licence_number",
    "driver_licence",
    # payment
    "credit_card",
    "card_number",
    "cc_number",
    "pan",
    "cvv",
    "iban",
    # secrets
    "password",
    "passwd",
    "pwd",
    "pgpassword",
    "passphrase",
    "token",
    "access_token",
    "refresh_token",
    "secret",
    "secret_key",
    "api_key",
    "apikey",
    "private_key",
    # A service account's JSON names its key by `private_key_id`; the id alone picks the key to revoke.
    "private_key_id",
    "authorization",
    # pydantic's ValidationError echoes the rejected input as `input_value=...`.
    "input_value",
)
# National numbers known by a short name, which a key often follows with a word for "number"
# (`cprNumber`, `bsn_nr`, `tckn_no`, `pesel_id`): those spellings are keys too.
NUMBERED_KEYS: Final = (
    "ssn", "tin", "bsn", "pesel", "dni", "nie", "nif", "cpf", "sin", "tfn", "nip", "tckn", "vkn",
    "fnr", "cpr", "hetu", "curp", "rfc", "nss", "personnummer", "fodselsnummer", "sofinummer",
    "henkilotunnus", "passport", "tax",
)
_NUMBER_WORDS: Final = ("number", "no", "nr", "num", "code", "id")
# Whole names only: as the last word of a longer name they mostly name no person (`file_name`,
# `ip_address`, `is_mobile`, `time_pan`), and the short ones (`tin`, `sin`, `nip`, ...) end other
# words' names.
WHOLE_WORD_ONLY_KEYS: Final = frozenset(
    {"name", "address", "mobile", "tin", "pan", "nie", "mail", "sin", "nss", "rfc", "fnr", "nip"}
)
# AWS credentials by their usual names; their values carry the aws_secret label.
AWS_SECRET_KEYS: Final = ("aws_secret_access_key", "secret_access_key", "aws_session_token")
# Session cookies by the names frameworks give them; their values carry the session label. Only in
# `key=value` form (a `Cookie:` or `Set-Cookie:` header, a query string) and as whole names: `session`
# and `sid` are common words, and `session: started` or `user_sid: S-1-5-...` are no cookies.
SESSION_COOKIE_KEYS: Final = ("sessionid", "session", "sid", "jsessionid", "phpsessid", "connect.sid")
# Frameworks name their session cookies `<app>_session` (Rails, Laravel, CodeIgniter), `SESSION`
# (Spring), `ASP.NET_SessionId`, `AUTH_SESSION_ID` (Keycloak): in `key=value` form, a name that
# ends in one of these is a session cookie too.
SESSION_COOKIE_SUFFIXES: Final = ("session", "session_id", "sessid")
_MIN_SESSION_TOKEN: Final = 8
# Keys that name a person's role (or end so: `user.name`, `createdBy`, `ticket_assignee`): their
# value goes when it reads as a person's name (`Ana García`), and stays when it is a login, an
# id or a thing (`ci-bot`, `42`, `Payments Team`).
PERSON_KEYS: Final = (
    "name", "user", "owner", "assignee", "author", "reporter", "approver", "requester", "creator",
    "created_by", "updated_by", "modified_by", "submitted_by", "approved_by", "signed_by", "actor",
    "patient", "customer", "client", "member", "employee", "contact", "recipient", "sender", "holder",
    "signer", "reviewer", "doctor", "physician", "nurse", "driver", "passenger", "guest", "tenant",
    "buyer", "seller", "person",
)
_PERSON_LABEL: Final = label("name")

_VALID_KEY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]*")
# Words of a key: snake, kebab, dotted and camelCase (`DB_PASSWORD`, `githubToken`, `s3a.key`).
_WORD_PARTS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_WORD_SEPARATOR: Final = "_"
_NOT_ALNUM: Final = re.compile(r"[^A-Za-z0-9]+")

# In the reversed line, what comes after a key is what stood before it. A whole-word key starts
# the word (`--name` is fine, `file-name`, `file_name`, `user.name` are other words); a suffix
# key may also follow `_`, `-`, `.` or start a capital after a lowercase letter (`githubToken`).
_WHOLE_WORD_START: Final = r"(?![A-Za-z0-9_.])(?!-[A-Za-z0-9])"
_SUFFIX_START: Final = r"(?:(?![A-Za-z0-9])|(?<=[A-Z])(?=[a-z0-9]))"
# Reversed: the separator, spaces, an optional closing quote (`"email":`, `\"email\":`, or doubled
# in a CSV cell: `""email"":`).
_BEFORE_SEPARATOR: Final = r"[ \t]*(?:\"\"|[\"']?\\?)"

_QUOTED: Final = (
    r'""(?:[^"\n]|"(?!"))+""'  # ""json in a CSV cell"", its quotes doubled
    r'|"(?:[^"\\\n]|\\.)*"'  # "json or logfmt"
    r"|'(?:[^'\\\n]|\\.)*'"  # 'python repr'
    r'|\\"(?:[^\\\n]|\\[^"\n])*\\"'  # \"json inside a json string\"
    r"|\[[^\[\]{}\n]*\]"  # [a, list, of, scalars]
    r"|\{(?:[^{}\n]|\{[^{}\n]*\})*\}"  # {"an": "object", "nested": {"once": 1}}
    # A quote that does not close on its line (a line cut short by a log driver or a size limit,
    # or a window of a long line): the value runs to the end of the line.
    r'|"(?:[^"\\\r\n]|\\.)*(?=[\r\n]|\Z)'
    r"|'(?:[^'\\\r\n]|\\.)*(?=[\r\n]|\Z)"
)
# An auth scheme and its credentials are one value (`Basic dXNlcjpwYXNz`), whatever follows them.
_SCHEME_VALUE: Final = r"(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]+[^\s,;&\"]+"
# `key=value` is logfmt or a query string: the value is one token. `==` is tolerated.
_EQUALS_VALUE: Final = re.compile(
    rf"=?[ \t]*(?P<value>{_QUOTED}|{_SCHEME_VALUE}|(?![\[{{])[^\s,;&\"]+)",
    re.ASCII,
)
# `key: value` is a header or YAML: the value runs to the end of the line, a `,`/`;`/`"`, or the
# next `word:`/`word=` field, so `name: Jane Doe` loses the whole name. A scheme comes first: base64
# credentials may end in `=` and read as the next `word=` field.
_COLON_VALUE: Final = re.compile(
    rf"[ \t]*(?P<value>{_QUOTED}|{_SCHEME_VALUE}"
    r"|(?![\[{])[^\s,;\"][^\r\n,;\"]*?(?=[ \t]*(?:[,;\"\r\n]|\Z)|[ \t]+[\w.\-]+[=:]))",
    re.ASCII,
)
# Characters that close the context around an unquoted value (`(password=x)`), not the value.
_VALUE_CLOSERS: Final = ")]}>'"


def key_words(key: str) -> list[str]:
    """The lowercase words of a key name: `patientId` and `patient-id` give ['patient', 'id']."""
    return [part.lower() for part in _WORD_PARTS.findall(key)]


def _normalize(key: str) -> str:
    """What every spelling of a key shares: its letters and digits, lowercase."""
    return _NOT_ALNUM.sub("", key).lower()


def _reversed_names(keys: Iterable[str]) -> str:
    r"""One regex alternation matching every spelling of the keys, reversed, prefixes merged.

    `first_name` becomes `[eE][mM][aA][nN][_.\-]?[tT][sS][rR][iI][fF]`: a class per letter
    rather than (?i), because the engine skips an alternative whose first class does not fit
    in one step.
    """
    trie: dict[str, dict] = {}
    for key in keys:
        node = trie
        for atom in _WORD_SEPARATOR.join(word[::-1] for word in reversed(key_words(key))):
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = []
        for atom, child in sorted(node.items()):
            if atom == _WORD_SEPARATOR:
                branches.append(r"[_.\-]?" + emit(child))
            elif atom.isalpha():
                branches.append(f"[{atom}{atom.upper()}]" + emit(child))
            elif atom:
                branches.append(atom + emit(child))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


# Words too common in other names to tell a key (`trace_id`, `"key":`, `order_number`).
_COMMON_WORDS: Final = frozenset({"id", "no", "nr", "num", "number", "key", "code", "value", "line", "date", "1", "2"})


def _trigger_words(keys: Iterable[str]) -> tuple[str, ...]:
    """The least common word of each key (its longest not in _COMMON_WORDS), lowercase."""
    words: set[str] = set()
    for key in keys:
        parts = key_words(key)
        rare = [part for part in parts if part not in _COMMON_WORDS] or parts
        words.add(max(rare, key=len))
    return tuple(sorted(words))


# A `name` or `address` inside a JSON object that belongs to a thing (`{"service": {"name":
# "checkout"}}`, `{"host": {"name": ...}}`, as Elastic Common Schema logs nest them) names no one.
_THING_NAMED_KEYS: Final = frozenset({"name", "address"})
_THING_OBJECTS: Final = frozenset({
    "agent", "app", "application", "bucket", "cloud", "cluster", "column", "component", "container",
    "database", "dataset", "db", "deployment", "device", "event", "feature", "file", "framework",
    "function", "host", "image", "index", "interface", "job", "label", "labels", "library", "log",
    "logger", "metric", "model", "module", "namespace", "network", "node", "observer", "orchestrator",
    "os", "package", "pipeline", "pod", "policy", "process", "project", "queue", "region", "resource",
    "rule", "schema", "server", "service", "span", "step", "table", "task", "thread", "topic", "zone",
})
_PARENT_KEY: Final = re.compile(r"[\"']?(?P<parent>[A-Za-z0-9_.\-]+)[\"']?[ \t]*:[ \t]*\Z")
_PARENT_REACH: Final = 512


def _in_object_of_a_thing(text: str, key_start: int) -> bool:
    """Whether the key at `key_start` sits in a JSON object whose own key names a thing: the
    nearest unclosed `{` before it, within _PARENT_REACH characters, follows `"<thing>":`."""
    depth = 0
    for index in range(key_start - 1, max(-1, key_start - 1 - _PARENT_REACH), -1):
        char = text[index]
        if char == "}":
            depth += 1
        elif char == "{":
            if depth:
                depth -= 1
                continue
            parent = _PARENT_KEY.search(text, max(0, index - 64), index)
            words = key_words(parent["parent"]) if parent is not None else []
            return bool(words) and words[-1] in _THING_OBJECTS
    return False


def _value_span(value: re.Match[str], replacement: str) -> Span:
    start, end = value.span("value")
    text = value["value"]
    if text.startswith('\\"') or (text.startswith('""') and len(text) > 4):
        return start + 2, end - 2, replacement
    if text[0] in "\"'":
        closed = len(text) > 1 and text[-1] == text[0]
        return start + 1, end - 1 if closed else end, replacement
    if text[0] in "[{":
        return start, end, replacement
    return start, start + len(text.rstrip(_VALUE_CLOSERS)), replacement


class KeyFinder:
    """Finds the values of sensitive keys; immutable after construction."""

    __slots__ = (
        "_after_colon",
        "_after_equals",
        "_labels",
        "_suffix_labels",
        "extra_keys",
        "keys",
        "trigger_words",
    )

    def __init__(self, extra_keys: Iterable[str] = ()) -> None:
        if isinstance(extra_keys, str):
            raise InputError("extra_keys must be a collection of key names, not one string")
        extras = []
        for key in extra_keys:
            if not isinstance(key, str) or not _VALID_KEY.fullmatch(key.strip()):
                raise InputError("extra key names hold letters, digits, '_', '-', '.' and spaces")
            extras.append(_WORD_SEPARATOR.join(key_words(key)))
        self.extra_keys: frozenset[str] = frozenset(extras)
        """The extra keys, lowercase with `_` between words."""
        self.keys: frozenset[str] = frozenset(DEFAULT_SENSITIVE_KEYS) | self.extra_keys
        """Every key whose value is redacted (besides the AWS credential and session cookie names)."""

        numbered = {f"{key}_{word}": key for key in NUMBERED_KEYS for word in _NUMBER_WORDS}
        suffix = (frozenset(DEFAULT_SENSITIVE_KEYS) - WHOLE_WORD_ONLY_KEYS) | frozenset(
            (*AWS_SECRET_KEYS, *numbered)
        )
        whole = WHOLE_WORD_ONLY_KEYS | self.extra_keys
        # First spelling wins the label: `api_key`, not `apikey`.
        self._suffix_labels: dict[str, str] = {}
        for key in (*AWS_SECRET_KEYS, *DEFAULT_SENSITIVE_KEYS):
            if key in suffix:
                replacement = label("aws_secret" if key in AWS_SECRET_KEYS else key)
                self._suffix_labels.setdefault(_normalize(key), replacement)
        for key, base in numbered.items():
            self._suffix_labels.setdefault(_normalize(key), label(base))
        self._labels: dict[str, str] = dict(self._suffix_labels)
        for key in (*DEFAULT_SENSITIVE_KEYS, *extras):
            self._labels.setdefault(_normalize(key), label(key))
        for key in (*SESSION_COOKIE_KEYS, *SESSION_COOKIE_SUFFIXES):
            self._labels.setdefault(_normalize(key), label("session"))
        names = (
            f"(?P<key>{_reversed_names(suffix)}){_SUFFIX_START}"
            f"|(?P<whole_key>{_reversed_names(whole)}){_WHOLE_WORD_START}"
            f"|(?P<person_key>{_reversed_names(PERSON_KEYS)}){_SUFFIX_START}"
        )
        cookies = (
            f"|(?P<cookie_key>{_reversed_names(SESSION_COOKIE_KEYS)}){_WHOLE_WORD_START}"
            f"|(?P<cookie_suffix>{_reversed_names(SESSION_COOKIE_SUFFIXES)}){_SUFFIX_START}"
        )
        self._after_equals = re.compile(f"={_BEFORE_SEPARATOR}(?:{names}{cookies})", re.ASCII)
        self.trigger_words: tuple[str, ...] = _trigger_words(
            (*self.keys, *AWS_SECRET_KEYS, *SESSION_COOKIE_KEYS, *PERSON_KEYS)
        )
        """A word of each key, lowercase: a text that holds none (in lowercase, capitalized or
        uppercase: `token`, `githubToken`, `DB_TOKEN`) holds no key to find (the redactor's one
        pass over a line looks)."""
        # Not `::` or `://` (in the reversed line, the character before the colon).
        self._after_colon = re.compile(rf":(?<![:/]:){_BEFORE_SEPARATOR}(?:{names})", re.ASCII)

    def label_for(self, key: str) -> str | None:
        """The replacement for the value of a field named `key`, or None if it is not sensitive."""
        words = key_words(key)
        replacement = self._labels.get("".join(words))
        if replacement is None:
            for first in range(1, len(words)):
                replacement = self._suffix_labels.get("".join(words[first:]))
                if replacement is not None:
                    break
        return replacement

    def find(self, text: str, out: list[Span]) -> None:
        """Append a span for each sensitive key's value in `text`."""
        backwards = text[::-1]
        last = len(text) - 1
        for finder, values in (
            (self._after_equals, _EQUALS_VALUE),
            (self._after_colon, _COLON_VALUE),
        ):
            for found in finder.finditer(backwards):
                group = found.lastgroup or ""
                key_start, key_end = found.span(group)
                key = _normalize(text[last - key_end + 1 : last - key_start + 1])
                value = values.match(text, last - found.start() + 1)
                if value is None or (
                    group == "whole_key" and key in _THING_NAMED_KEYS and _in_object_of_a_thing(text, last - key_end + 1)
                ):
                    continue
                replacement = _PERSON_LABEL if group == "person_key" else self._labels[key]
                span = _value_span(value, replacement)
                held = text[span[0] : span[1]]
                # A name that only ends like a session cookie's holds one only if it is token-long
                # (`user_session=3` counts sessions).
                if group == "cookie_suffix" and len(held) < _MIN_SESSION_TOKEN:
                    continue
                # A person's role as a key holds a person's name, or an id, a login, a team.
                if group == "person_key" and not looks_like_name(held):
                    continue
                if not is_masked(held):
                    out.append(span)
