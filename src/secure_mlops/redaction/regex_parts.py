"""Regex pieces the detectors of names, addresses and cued numbers share.

`re` has no class for "an uppercase letter" beyond ASCII, so the Latin letters of the first
Unicode blocks (Basic Latin to Latin Extended-B: enough for the languages of Europe and the
Americas, Turkish included) are listed once, by case.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

UPPER: Final = "".join(char for char in map(chr, range(0x41, 0x250)) if char.isupper())
"""The uppercase Latin letters, for a character class: `[{UPPER}]`."""
LOWER: Final = "".join(char for char in map(chr, range(0x61, 0x250)) if char.islower())
"""The lowercase Latin letters, for a character class."""
CJK: Final = "\u3040-\u30ff\u3400-\u9fff"
"""Kana and CJK ideographs, for a character class (names and streets written in them)."""
PARTICLE: Final = r"(?:de|del|de la|da|das|do|dos|di|van|von|der|den|ten|ter|la|le|du|des|el|y|i|bin|al)"
"""The lowercase words inside names (`Ana de la Cruz`, `Jan van der Berg`, `Rua da Cunha`)."""


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words` as written, longest first (so `straße` wins over `str`)."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@functools.cache
def compiled(source: str, flags: int = 0) -> re.Pattern[str]:
    """`source` compiled on first use, once: the patterns of names and addresses, with their
    letter classes, take tens of milliseconds to compile, which a process that never meets a
    street should not pay when it starts."""
    return re.compile(source, flags)
