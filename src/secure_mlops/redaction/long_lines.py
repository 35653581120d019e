"""A line too long to redact at once, redacted in overlapping windows in bounded memory.

`secure-mlops redact` reads at most `WINDOW` characters of a line at a time. Redacting a 100 MB
line whole took 13 times its size (the line, its reversed copy and shape, a span per identifier,
the pieces of the output); a longer line is redacted window by window instead, in about
`WINDOW + OVERLAP` characters' worth of memory, whatever its length.

Each window is redacted with the end of the previous one before it: at least `overlap`
characters, held back unwritten. So any identifier shorter than the overlap that crosses a
window boundary is seen whole in one of the two windows. What is written stops where no found
value is cut, and `context` characters before anything the next window may find, so a key stays
with its value (`email=` at the end of one window, the address in the next).

A found value that crosses the held-back part and reaches the end of the window may go on in the
next window, where its start (the key, the opening quote) is out of sight: a quoted field or a
token longer than the overlap. Such a value takes the rest of its line with it, as one
`[REDACTED:<kind>]` before the line ending, so a long line fails closed. A value that ends inside
a window is redacted as usual, however long.
"""

from __future__ import annotations

import bisect
from operator import itemgetter
from typing import Final

from secure_mlops.redaction.spans import LineRedactor, apply_spans

WINDOW: Final = 1 << 20
"""Characters of a line read at a time; a longer line is redacted in windows."""
OVERLAP: Final = 1 << 16
"""Characters of a window redacted again with the next one: above the longest identifier (a JWT,
a PEM private key in an escaped JSON string, which stays under 16 KiB)."""
CONTEXT: Final = 256
"""Characters kept before a value the next window may find: its key, separator and quotes."""

_END: Final = itemgetter(1)


class WindowedLine:
    """One line fed in pieces (`feed`) and ended (`finish`); each call returns the redacted text
    that can be written so far, and together they make the redacted line."""

    __slots__ = ("_context", "_held", "_overlap", "_redactor", "_rest_redacted")

    def __init__(self, redactor: LineRedactor, overlap: int = OVERLAP, context: int = CONTEXT) -> None:
        self._redactor = redactor
        self._overlap = overlap
        self._context = context
        self._held = ""
        self._rest_redacted = False

    def feed(self, piece: str) -> str:
        """Take the next piece of the line; returns what of it (and before it) is ready."""
        window = self._held + piece
        if self._rest_redacted:
            self._held = window[-2:]  # for the line ending
            return ""
        if len(window) <= self._overlap + self._context:
            self._held = window
            return ""
        spans = self._redactor.spans(window)
        limit = len(window) - self._overlap
        done = bisect.bisect_right(spans, limit, key=_END)  # the spans that end before the limit
        if done < len(spans) and spans[done][0] < limit:
            start, end, replacement = spans[done]
            if end > len(window) - self._context:
                # It may go on in the next window, out of sight of its start: fail closed.
                self._rest_redacted = True
                self._held = window[-2:]
                return apply_spans(window, spans[:done], stop=start) + replacement
            cut, done = end, done + 1  # it ends in sight: written whole
        else:
            written = spans[done - 1][1] if done else 0
            cut = max(written, limit - self._context)
            # After a space if one is near: the next window then starts at a word, and a check of
            # the character before a match answers at the start of the text as it did at the space.
            cut = window.rfind(" ", max(written, cut - self._context), cut) + 1 or cut
        self._held = window[cut:]
        return apply_spans(window, spans[:done], stop=cut)

    def finish(self) -> str:
        """The rest of the redacted line, with its line ending."""
        held, self._held = self._held, ""
        if self._rest_redacted:
            return held[len(held.rstrip("\r\n")) :]
        return self._redactor.redact(held)

