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


SHORT_WORD: Final = 3
"""A word this short or shorter hides in countless longer ones (see Triggers)."""
# What comes before a word in logs: spaces, quotes, key separators, brackets, query strings.
_BEFORE_WORD: Final = " \t\n\"'_.,;:=&?{([/\\-"


class Found(set[str]):
    """The names found, and where the words of the `located` names end (text positions)."""

    __slots__ = ("ends",)


# What `found` returns for a text without any literal: shared, so never to be changed.
_NOTHING: Final = Found()
_NOTHING.ends = {}


class Triggers:
    """Which detectors a text may hold, from the literals each needs; immutable once built."""

    __slots__ = ("_automaton", "_entries")

    def __init__(
        self,
        literals: Mapping[str, Iterable[str]],
        *,
        parts: Mapping[str, Iterable[str]] | None = None,
        words: Mapping[str, Iterable[str]] | None = None,
        endings: Mapping[str, Iterable[str]] | None = None,
        located: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """What each detector name needs: `literals`, substrings as written; `parts`, substrings
        of a word (`token` in `githubToken`); `words`, whole words; `endings`, endings of a word
        (`straße` in `Salzachstraße`); `located`, words after a space, whose ends `found` reports
        too. Parts, words and endings count in lowercase, capitalized and uppercase.

        A located word is searched with the space before it: short common words (`for`, `by`)
        hide in many longer ones (`format`, `bytes`), and each hit costs time.
        """
        entries: dict[str, tuple[set[str], set[str], set[str], set[str]]] = {}

        def entry(literal: str) -> tuple[set[str], set[str], set[str], set[str]]:
            return entries.setdefault(literal, (set(), set(), set(), set()))

        for name, needed in literals.items():
            for literal in needed:
                entry(literal)[0].add(name)
        for kind, table, before in ((0, parts, ""), (1, words, ""), (2, endings, ""), (3, located, " ")):
            for name, cues in (table or {}).items():
                for cue in cues:
                    for spelling in {cue, cue.capitalize(), cue.upper()}:
                        if kind == 1 and len(cue) <= SHORT_WORD:
                            # A short word (`st`, `cc`) hides in countless longer ones; searched with
                            # each character that may come before a word, it is found only where it
                            # starts one, and checked at its end as an ending is.
                            for boundary in _BEFORE_WORD:
                                entry(boundary + spelling)[2].add(name)
                        else:
                            entry(before + spelling)[kind].add(name)
        self._entries: Final = tuple(tuple(map(frozenset, sets)) for sets in entries.values())
        # Overlapping matches: `sk-` inside a longer literal's match must still be reported.
        self._automaton: Final = ahocorasick_rs.AhoCorasick(
            list(entries), matchkind=ahocorasick_rs.MatchKind.Standard
        )

    def found(self, text: str) -> Found:
        """The names of the detectors whose literals `text` holds (not to be changed)."""
        # A space in front, so a located word that starts the text has one before it too; the
        # positions below are those of `spaced`, one more than the text's.
        spaced = f" {text}"
        try:
            matches = self._automaton.find_matches_as_indexes(spaced, overlapping=True)
        except UnicodeEncodeError:  # a lone surrogate (an undecodable byte, surrogateescape'd)
            matches = self._automaton.find_matches_as_indexes(_SURROGATE.sub("\ufffd", spaced), overlapping=True)
        if not matches:
            return _NOTHING
        names = Found()
        names.ends = {}
        for index, start, end in matches:
            anywhere, whole, ending, located = self._entries[index]
            names.update(anywhere)
            if (whole or ending or located) and (end == len(spaced) or not spaced[end].isalnum()):
                names.update(ending)
                if whole and not spaced[start - 1].isalnum():
                    names.update(whole)
                for name in located:
                    names.add(name)
                    names.ends.setdefault(name, []).append(end - 1)
        return names
