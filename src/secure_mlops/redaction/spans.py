"""Replacing found spans: every detector reports (start, end, replacement); one pass applies them."""

from __future__ import annotations

from operator import itemgetter
from typing import TypeAlias

Span: TypeAlias = tuple[int, int, str]
"""Characters [start, end) of the text are to be replaced by the string."""

_START = itemgetter(0)


def apply_spans(text: str, spans: list[Span]) -> str:
    """`text` with the spans replaced.

    Spans are collected in detector priority order and the sort is stable, so of two spans that
    start together the higher-priority detector's wins and the other is dropped: it is the more
    specific reading (`user:pw@host` is a URL password, not an e-mail address). A span that starts
    inside an earlier one and runs past it widens that one, so nothing a detector found is left.
    """
    spans.sort(key=_START)
    pieces: list[str] = []
    cursor = 0
    start, end, replacement = spans[0]
    for next_start, next_end, next_replacement in spans[1:]:
        if next_start == start:
            continue
        if next_start < end:
            end = max(end, next_end)
            continue
        pieces += (text[cursor:start], replacement)
        cursor = end
        start, end, replacement = next_start, next_end, next_replacement
    pieces += (text[cursor:start], replacement, text[end:])
    return "".join(pieces)
