"""One pass over a line finds every literal a detector cannot match without.

Most detectors need a literal that few log lines hold: `-----BEGIN` for a private key, `eyJ` for a
JWT, `ghp_` for a GitHub token, a cue word such as `passport` for an identity number. Asking for each
with `in` costs about 0.1 µs a literal, which over some forty literals is a third of the time a
line may take. An Aho-Corasick automaton (ahocorasick-rs, in Rust, with a vectorized prefilter)
finds them all in one pass, and the redactor runs only the detectors whose literals it found.

A cue word counts only as a whole word (`tel` in `tel:` but not in `hotel` or `telemetry`), and an
ending only at the end of a word (`straße` in `Salzachstraße 12`), in lowercase, capitalized or
uppercase.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

import ahocorasick_rs

# Replaced one for one, so the matches' positions stay those of the text.
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


class Triggers:
    """Which detectors a text may hold, from the literals each needs; immutable once built."""

    __slots__ = ("_automaton", "_entries")

    def __init__(
        self,
        literals: Mapping[str, Iterable[str]],
        words: Mapping[str, Iterable[str]],
        endings: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """`literals`: detector name -> substrings it needs; `words`: name -> cue words (whole);
        `endings`: name -> endings of a word (`straße` in `Salzachstraße`). Words and endings
        count in lowercase, capitalized and uppercase."""
        entries: dict[str, tuple[set[str], set[str], set[str]]] = {}

        def entry(literal: str) -> tuple[set[str], set[str], set[str]]:
            return entries.setdefault(literal, (set(), set(), set()))

        for name, needed in literals.items():
            for literal in needed:
                entry(literal)[0].add(name)
        for kind, table in ((1, words), (2, endings or {})):
            for name, cues in table.items():
                for cue in cues:
                    for spelling in {cue, cue.capitalize(), cue.upper()}:
                        entry(spelling)[kind].add(name)
        self._entries: Final = tuple(tuple(map(frozenset, sets)) for sets in entries.values())
        # Overlapping matches: `sk-` inside a longer literal's match must still be reported.
        self._automaton: Final = ahocorasick_rs.AhoCorasick(
            list(entries), matchkind=ahocorasick_rs.MatchKind.Standard
        )

    def found(self, text: str) -> set[str]:
        """The names of the detectors whose literals `text` holds."""
        names: set[str] = set()
        try:
            matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
        except UnicodeEncodeError:  # a lone surrogate (an undecodable byte, surrogateescape'd)
            matches = self._automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", text), overlapping=True)
        for index, start, end in matches:
            anywhere, whole, ending = self._entries[index]
            names.update(anywhere)
            if (whole or ending) and (end == len(text) or not text[end].isalnum()):
                names.update(ending)
                if whole and (start == 0 or not text[start - 1].isalnum()):
                    names.update(whole)
        return names
