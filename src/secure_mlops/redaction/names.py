"""People's names in free text, after a title or a word that announces a person.

A name has no shape of its own: `Ana García` is two capitalized words, as `Feature Store` is. What
tells them apart on the fast path is the word before: a title (`Mr.`, `Frau`, `Sra.`, `Pani`), a
word that announces a person (`customer`, `patient`, `Dear`, `Kunde`, `cliente`), or a weaker cue:
a preposition a log puts before who did or got something (`opened by`, `confirmed for`, `für`,
`con`, `voor`) or a greeting (`Hello`, `Hola`).
After a title or a cue word, one capitalized word or more is a name (`Herr Müller`); after a
weaker cue, two to four are (`for Ana García`, `by Jan van der Berg`, particles between), none of
them a word that names a thing (`with Feature Store`). A word in capitals (`INFO`) is no name word.

A cell of a CSV row that reads as a name (two to four such words) is one too: an export's header,
which would say so, is another line.

This catches the names a log line introduces or tabulates; a name standing alone in prose is for
`secure-mlops redact --deep` (a named-entity model).

The redactor's one pass over the line finds the titles and cue words and where each
ends (triggers.py); these regexes run only there, anchored.
"""

from __future__ import annotations

import re
from typing import Final

from secure_mlops.redaction.regex_parts import CJK, LOWER, PARTICLE, UPPER, compiled
from secure_mlops.redaction.spans import Span, label

# Titles, lowercase, without their dot (matched whole, in any case).
TITLES: Final = (
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "herr", "frau", "mme", "mlle", "monsieur", "madame",
    "sr", "sra", "srta", "señor", "señora", "sig", "sig.ra", "dott", "signor", "signora", "dhr", "mevr",
    "hr", "fru", "pan", "pani", "bay", "bayan", "sayın", "senhor", "senhora",  # noqa: RUF001 - Turkish, with its dotless i
)
# Words that announce a person, lowercase (matched whole, in any case): roles and greetings.
CUES: Final = (
    "customer", "client", "patient", "user", "member", "employee", "contact", "recipient", "sender",
    "cardholder", "holder", "applicant", "guest", "passenger", "tenant", "subscriber", "buyer",
    "dear", "attn", "named", "called", "kunde", "kundin", "benutzer", "utilisateur",
    "usuario", "usuário", "cliente", "paciente", "utente", "klant", "klient", "kund", "asiakas",
    "käyttäjä", "müşteri", "hasta", "zákazník", "pacjent", "potilas", "patiënt",
)
# Prepositions a log puts before who did or got something (`opened by`, `confirmed for`), and
# greetings, in many languages. They come before things as often (`validated with Great
# Expectations`, `Hello World`), so a name after one needs two words, and none that names a thing
# (NOT_NAME_WORDS).
WEAK_CUES: Final = (
    "hello", "hi", "hallo", "hola", "olá", "bonjour", "ciao", "hej", "hei", "moi", "cześć", "ahoj",
    "merhaba", "by", "for", "with", "from", "für", "von", "mit", "bei", "pour", "par", "avec", "chez", "con",
    "para", "por", "per", "voor", "door", "met", "dla", "przez", "för", "av", "med", "hos", "til",
    "fra", "için", "ile", "pro", "od",
)
# Capitalized words that name things in logs (services, teams, tools), not people.
NOT_NAME_WORDS: Final = frozenset({
    "agent", "analytics", "api", "app", "apps", "automate", "backend", "bot", "bucket", "cache",
    "catalog", "cloud", "cluster", "console", "controller", "dashboard", "data", "database",
    "engine", "expectations", "feature", "function", "functions", "gateway", "group", "hub",
    "insights", "job", "lab", "manager", "monitor", "network", "node", "operator", "pipeline",
    "pipelines", "platform", "policy", "portal", "proxy", "queue", "registry", "scheduler",
    "server", "service", "services", "storage", "store", "studio", "success", "suite", "support",
    "system", "task", "team", "vault", "worker", "workflow", "workflows", "model", "account",
    "bank", "company", "inc", "ltd", "gmbh", "corp", "university", "hospital", "clinic", "office",
})

_WORD: Final = rf"[{UPPER}](?:[{LOWER}]|['\u2019][{UPPER}])[^\W\d_]*(?:-[{UPPER}][^\W\d_]+)*(?![\w/@]|\.\w)"
_NEXT: Final = rf" (?:{PARTICLE} )*{_WORD}"
_CJK_NAME: Final = rf"[{CJK}]{{1,4}}(?: [{CJK}]{{1,4}})?"
# A name may be quoted (`customer 'Ana García' not found`).
_QUOTE: Final = "['\"\u00ab\u201c\u201e]?"
# Each runs where a title or a cue word ends (triggers.py says where).
_AFTER_TITLE: Final = rf"\.? (?P<name>{_WORD}(?:{_NEXT}){{0,3}})"
_AFTER_CUE: Final = rf"[:,=]? ?{_QUOTE}(?P<name>{_WORD}(?:{_NEXT}){{0,3}}|{_CJK_NAME})"
_AFTER_WEAK_CUE: Final = rf" {_QUOTE}(?P<name>{_WORD}(?:{_NEXT}){{1,3}}|{_CJK_NAME})"
_WORDS: Final = re.compile(r"[^\W\d_]+")
_LABEL: Final = label("name")


def find(text: str, ends: dict[str, list[int]], out: list[Span]) -> None:
    """Append a span for each name right after a title or cue word that ends at one of `ends`
    (by trigger: `name_title`, `name_cue`, `name_weak_cue`)."""
    for trigger, pattern in (
        ("name_title", _AFTER_TITLE),
        ("name_cue", _AFTER_CUE),
        ("name_weak_cue", _AFTER_WEAK_CUE),
    ):
        for end in ends.get(trigger, ()):
            match = compiled(pattern).match(text, end)
            if match is None:
                continue
            name = match["name"]
            if trigger == "name_weak_cue" and not looks_like_name(name):
                continue
            # After a title, the title goes too: `Mrs.` or `Herr` says who as much as the name.
            start = end - _title_length(text, end) if trigger == "name_title" else match.start("name")
            out.append((start, match.end("name"), _LABEL))


# A cell of a CSV row (quoted or not).
_CELL: Final = re.compile(r'(?:^|(?<=,))[ ]?(?:"(?P<quoted>[^"\r\n]*)"|(?P<bare>[^,"\r\n]*))(?=,|\r?$)')
_MIN_CELLS: Final = 4


def find_in_csv_cells(text: str, shape: str, out: list[Span]) -> None:
    """Append a span for each cell of a CSV row that reads as a person's name (an export or an
    audit row, whose header with the column names is another line).

    A row is a line of four cells or more, not JSON or `key=value`; `shape` (patterns.shape_of)
    says first whether a cell starts with a capital at all (outside ASCII it cannot tell).
    """
    if text.count(",") < _MIN_CELLS - 1 or "{" in text or "=" in text:
        return
    if ",Aa" not in shape and '"Aa' not in shape and ", Aa" not in shape and text.isascii():
        return
    for cell in _CELL.finditer(text):
        group = "quoted" if cell.start("quoted") >= 0 else "bare"
        value = cell[group]
        if value and looks_like_name(value):
            out.append((cell.start(group), cell.end(group), _LABEL))


_NAME_ALONE: Final = rf"{_WORD}(?:{_NEXT}){{1,3}}|{_CJK_NAME}"


def looks_like_name(text: str) -> bool:
    """Whether `text` reads as a person's name: two to four capitalized words (particles between),
    none that names a thing, or a CJK name."""
    return compiled(_NAME_ALONE).fullmatch(text) is not None and not names_a_thing(text)


def names_a_thing(text: str) -> bool:
    """Whether `text` holds a word that names a thing (NOT_NAME_WORDS): `Feature Store`."""
    return any(word.lower() in NOT_NAME_WORDS for word in _WORDS.findall(text))


def _title_length(text: str, end: int) -> int:
    """The length of the title word that ends at `end`."""
    start = end
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    return end - start


TRIGGER_WORDS: Final = {"name_title": TITLES, "name_cue": CUES, "name_weak_cue": WEAK_CUES}
