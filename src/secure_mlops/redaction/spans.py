"""Replacing found spans: detectors report (start, end, replacement), one pass applies them."""

from __future__ import annotations

from operator import itemgetter
from typing import Protocol, TypeAlias

Span: TypeAlias = tuple[int, int, str]
"""Characters [start, end) of the text are to be replaced by the string."""


class LineRedactor(Protocol):
    """What the stream and the long-line windows ask of a redactor: a `Redactor`, or one that adds
    to it (`deep.DeepRedactor`). A long line is redacted window by window through `spans`."""

    def redact(self, text: str) -> str: ...

    def spans(self, text: str) -> list[Span]: ...

_START = itemgetter(0)


def label(kind: str) -> str:
    """The replacement text, which says what was there: `[REDACTED:email]`."""
    return f"[REDACTED:{kind}]"


def merge_spans(spans: list[Span]) -> list[Span]:
    """The spans sorted and disjoint: overlapping spans merge into their union.

    Spans are collected in detector priority order and the sort is stable, so where spans
    overlap, the earliest (on a tie, the higher-priority one) names the replacement, and their
    union goes: nothing any detector found is left (`phone=+1 555 123 4567` loses the whole
    number although the key's own value ends at `+1`).
    """
    spans.sort(key=_START)
    merged: list[Span] = []
    start, end, replacement = spans[0]
    for next_start, next_end, next_replacement in spans[1:]:
        if next_start < end:
            end = max(end, next_end)
            continue
        merged.append((start, end, replacement))
        start, end, replacement = next_start, next_end, next_replacement
    merged.append((start, end, replacement))
    return merged


def apply_spans(text: str, merged: list[Span], stop: int | None = None) -> str:
    """`text[:stop]` (all of it by default) with the merged spans replaced; spans reaching past
    `stop` are the caller's to keep out."""
    pieces: list[str] = []
    cursor = 0
    for start, end, replacement in merged:
        pieces += (text[cursor:start], replacement)
        cursor = end
    pieces.append(text[cursor:stop])
    return "".join(pieces)
