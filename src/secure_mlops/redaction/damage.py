"""Damaged characters: what breaks an identifier without being part of it, and views without them.

An invalid UTF-8 byte reaches the redactor as U+FFFD (decoded with `errors="replace"`) or as a
lone surrogate U+DC80-U+DCFF (`errors="surrogateescape"`, which gives the raw byte back on
encoding); a stray control byte stays itself (NUL, ESC, or a C1 control such as 0x85 read as
Latin-1); invisible format characters (zero-width space, soft hyphen, byte order mark, bidi
controls) render as nothing. None of them belongs in an e-mail address, a number or a token, yet
one of them splits `123-45-6789` into two pieces that no detector recognizes. So a text that
holds one is searched again in two views of it (written here with `?` for the damaged character):

- without them: `jane?.doe@x.io` reads `jane.doe@x.io`, for a byte put into an identifier;
- with each lone one read as the digit 5: `123-45-67?9` reads `123-45-6759`, for a byte that took
  the place of a character. 5 is a card network's first digit and a valid area code, and makes
  no never-issued SSN part (000, 666, 9xx, 00, 0000).

What a view finds is mapped back to the text, with the damaged characters inside it.

Check digits (card numbers, IBANs). A byte put into a number leaves its digits whole: without the
damage, Luhn and mod-97 decide as usual. A byte that replaced a digit leaves them unknown, so a
number holding one to `MAX_DAMAGE` damaged characters (one invalid UTF-8 sequence, not a run of
binary junk) is redacted on its shape alone: 13-19 digits from a card network, or a country code,
check digits and 11-30 letters and digits. Read as a digit, a damaged character only counts in a
grouped number (`4111 1111 1111 111?`), since in a plain run it would turn a 12-digit count with a
stray byte into 13 digits. So a plain run damaged only at its first or last digit
(`?1710417835124`, `4111111111111112?`) is kept: the damage may as well be next to a number.

Not recognized: a damaged separator (`123?45-6789`), a damaged token prefix or IBAN country code
(`h?s.` for `hvs.`, `D?89` for `DE89`).

Bytes are to be decoded as UTF-8 with `replace` or `surrogateescape`. Latin-1 turns a stray byte
0xA0-0xFF into a letter (`ÿ`) that cannot be told from text; only 0x80-0x9F are recognized then.
"""

from __future__ import annotations

import bisect
import re
from typing import Final, Protocol

# C0 controls but tab, line feed, vertical tab, form feed and carriage return (whitespace, which
# separates tokens) and ESC (below); DEL and the C1 controls; soft hyphen; zero-width and bidi
# controls; word joiner and invisible operators; BOM; surrogates; the replacement character.
_ALWAYS: Final = (
    "\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ud800-\udfff\ufffd"
)
# ESC starts the colour and cursor sequences of terminal output (`ESC[31m`, `ESC]8;;`): formatting,
# common in logs, which must not send every coloured line through the views. A lone ESC is damage.
# The pattern starts with a character class so that a search skips clean text at C speed.
_ONE: Final = f"[{_ALWAYS}\x1b](?<!\x1b(?=[\\[\\]]))"
_DAMAGED_RUN: Final = re.compile(f"{_ONE}(?:{_ONE})*")
ASCII_DAMAGED: Final = bytes(byte for byte in range(128) if re.fullmatch(f"[{_ALWAYS}\x1b]", chr(byte)))
"""The ASCII characters that are (or, for ESC, may be) damaged: `patterns.shape_of` turns them
into `CONTROL_MARK`, so a line whose shape has none and that is ASCII has no damage."""
CONTROL_MARK: Final = "\x00"
MAX_DAMAGE: Final = 3
"""Damaged characters a card number or IBAN may hold and still be redacted on its shape alone."""


class View(Protocol):
    """A damaged text seen another way; what the detectors find in `text` maps back to it."""

    text: str
    replaces: bool
    """True when damaged characters are read as digits, False when they are dropped."""

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Where the view's characters [start, end) are in the damaged text (damage included)."""
        ...

    def damage(self, start: int, end: int) -> int:
        """How many damaged characters the view's characters [start, end) hold or stand for."""
        ...


class _Removed:
    """The text without its damaged characters."""

    __slots__ = ("_shifts", "_starts", "text")
    replaces = False

    def __init__(self, text: str, runs: list[tuple[int, int]]) -> None:
        # From each view position in `_starts` on, the text's position is `_shifts` further.
        self._starts = [0]
        self._shifts = [0]
        pieces: list[str] = []
        cursor = 0
        for start, end in runs:
            pieces.append(text[cursor:start])
            self._starts.append(start - self._shifts[-1])
            self._shifts.append(self._shifts[-1] + end - start)
            cursor = end
        pieces.append(text[cursor:])
        self.text = "".join(pieces)

    def original(self, start: int, end: int) -> tuple[int, int]:
        first = start + self._shifts[bisect.bisect_right(self._starts, start) - 1]
        if end <= start:  # an empty value (`password=""`) stays empty
            return first, first
        last = end - 1 + self._shifts[bisect.bisect_right(self._starts, end - 1) - 1]
        return first, last + 1

    def damage(self, start: int, end: int) -> int:
        first, stop = self.original(start, end)
        return (stop - first) - (end - start)


class _Replaced:
    """The text with each lone damaged character (a run of one) read as the digit 5."""

    __slots__ = ("_replaced", "text")
    replaces = True

    def __init__(self, text: str, lone: list[int]) -> None:
        self._replaced = lone
        pieces: list[str] = []
        cursor = 0
        for at in lone:
            pieces += (text[cursor:at], "5")
            cursor = at + 1
        pieces.append(text[cursor:])
        self.text = "".join(pieces)

    def original(self, start: int, end: int) -> tuple[int, int]:
        return start, end

    def damage(self, start: int, end: int) -> int:
        return bisect.bisect_left(self._replaced, end) - bisect.bisect_left(self._replaced, start)


def views(text: str) -> list[View]:
    """The views of `text`: without its damaged characters, and (if it holds a lone one) with the
    lone ones read as 5; none if it holds no damaged character."""
    runs = [found.span() for found in _DAMAGED_RUN.finditer(text)]
    if not runs:
        return []
    lone = [start for start, end in runs if end - start == 1]
    removed = _Removed(text, runs)
    return [removed, _Replaced(text, lone)] if lone else [removed]
