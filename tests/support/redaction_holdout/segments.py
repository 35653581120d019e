"""A line under construction: text pieces, some of them labelled with the family they belong to.

Formats escape piece by piece (every escape used here maps each character on its own, given the
quote style chosen for the whole string), so a label is always the escaped value, spelled exactly
as it sits in the finished line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import NamedTuple


class Seg(NamedTuple):
    text: str
    family: str | None = None


Value = tuple[Seg, ...]


def plain(text: str) -> Value:
    return (Seg(text),)


def secret(family: str, text: str) -> Value:
    return (Seg(text, family),)


def join(*parts: Value | str) -> Value:
    """Concatenate values and literal strings into one value."""
    out: list[Seg] = []
    for part in parts:
        out.extend(plain(part) if isinstance(part, str) else part)
    return tuple(out)


def text_of(value: Value) -> str:
    return "".join(seg.text for seg in value)


def escape(value: Value, fn: Callable[[str], str]) -> Value:
    return tuple(Seg(fn(seg.text), seg.family) for seg in value)


def joined(values: Iterable[Value], separator: str) -> Value:
    out: list[Seg] = []
    for index, value in enumerate(values):
        if index:
            out.append(Seg(separator))
        out.extend(value)
    return tuple(out)
