"""Percent-encoded text (query strings, form bodies, URLs in access logs) seen decoded.

`?q=jan%40example.nl&who=Jan+de+Vries` holds an e-mail address that no detector reads while its
`@` is `%40`. A text with percent-escapes (or a `+` in a query string) is also searched in a view where each run of escapes is
decoded (as UTF-8) and `+` reads as a space, the way a server decodes a form; what the view finds
is mapped back to the text, the escapes inside it included. A view position inside a decoded run
maps to the whole run, so a value that starts or ends within one takes all of it.
"""

from __future__ import annotations

import bisect
import re
import urllib.parse
from typing import Final

_ESCAPES: Final = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


class Decoded:
    """The text with its percent-escapes decoded and `+` read as a space (a damage.View)."""

    __slots__ = ("_ends", "_runs", "_starts", "text")
    replaces = False

    def __init__(self, text: str, runs: list[tuple[int, int]]) -> None:
        pieces: list[str] = []
        # For each decoded run: where it starts and ends in the view, and its span in the text.
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._runs: list[tuple[int, int]] = []
        cursor = length = 0
        for start, end in runs:
            plain = text[cursor:start].replace("+", " ")
            decoded = urllib.parse.unquote(text[start:end], errors="replace")
            pieces += (plain, decoded)
            length += len(plain)
            self._starts.append(length)
            length += len(decoded)
            self._ends.append(length)
            self._runs.append((start, end))
            cursor = end
        pieces.append(text[cursor:].replace("+", " "))
        self.text = "".join(pieces)

    def original(self, start: int, end: int) -> tuple[int, int]:
        # A start inside a run (view [s, e)) maps to the run's start, an end inside it (s, e] to
        # the run's end; between runs, the plain text has the view's length.
        run = bisect.bisect_right(self._starts, start) - 1
        if run >= 0 and start < self._ends[run]:
            first = self._runs[run][0]
        else:
            first = start if run < 0 else self._runs[run][1] + start - self._ends[run]
        run = bisect.bisect_left(self._starts, end) - 1
        if run >= 0 and end <= self._ends[run]:
            last = self._runs[run][1]
        else:
            last = end if run < 0 else self._runs[run][1] + end - self._ends[run]
        return first, max(first, last)

    def damage(self, start: int, end: int) -> int:
        return 0


# A `+` inside a query string (`?iban=NL91+ABNA+0417`) is a space there, escapes or not.
_PLUS_IN_QUERY: Final = re.compile(r"\?[^\s?]*=[^\s&]*\+")


def views(text: str) -> list[Decoded]:
    """The decoded view of `text`, or none if it holds no percent-escape and no `+` in a query."""
    runs = [found.span() for found in _ESCAPES.finditer(text)] if "%" in text else []
    if runs or ("+" in text and "?" in text and _PLUS_IN_QUERY.search(text)):
        return [Decoded(text, runs)]
    return []
