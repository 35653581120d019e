"""One pass over a line finds every literal a detector cannot match without.

Most detectors need a literal that few log lines hold: `-----BEGIN` for a private key, `eyJ` for a
JWT, `ghp_` for a GitHub token, a cue word such as `passport` for an identity number. Asking for each
with `in` costs about 0.1 µs a literal, which over some forty literals is a third of the time a
line may take. An Aho-Corasick automaton (ahocorasick-rs, in Rust, with a vectorized prefilter)
finds them all in one pass, and the redactor runs only the detectors whose literals it found.

A cue word counts only as a whole word (`tel` in `tel:` but not in `hotel` or `telemetry`), in
lowercase, capitalized or uppercase.
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

    def __init__(self, literals: Mapping[str, Iterable[str]], words: Mapping[str, Iterable[str]]) -> None:
        """`literals`: detector name -> substrings it needs; `words`: name -> cue words (whole)."""
        entries: dict[str, tuple[set[str], set[str]]] = {}
        for name, needed in literals.items():
            for literal in needed:
                entries.setdefault(literal, (set(), set()))[0].add(name)
        for name, cues in words.items():
            for cue in cues:
                for spelling in {cue, cue.capitalize(), cue.upper()}:
                    entries.setdefault(spelling, (set(), set()))[1].add(name)
        self._entries: Final = tuple((frozenset(anywhere), frozenset(whole)) for anywhere, whole in entries.values())
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
            anywhere, whole = self._entries[index]
            names.update(anywhere)
            if whole and (start == 0 or not text[start - 1].isalnum()) and (
                end == len(text) or not text[end].isalnum()
            ):
                names.update(whole)
        return names
