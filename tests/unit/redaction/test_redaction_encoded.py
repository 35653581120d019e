"""Percent-encoded text seen decoded, and positions mapped back to the escapes."""

from __future__ import annotations

import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from secure_mlops.redaction.encoded import views


def test_no_view_without_an_escape_or_a_plus_in_a_query() -> None:
    assert views("GET /x?a=1 HTTP/1.1") == []
    assert views("call +49 30 1234567") == []


def test_a_plus_in_a_query_reads_as_a_space() -> None:
    (view,) = views("GET /x?who=Ana+Garcia HTTP/1.1")
    assert view.text == "GET /x?who=Ana Garcia HTTP/1.1"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40))
def test_every_decoded_piece_maps_back_to_a_span_that_decodes_to_it(value: str) -> None:
    encoded = urllib.parse.quote(value, safe="")
    text = f"q={encoded}&n=1"
    (view,) = views(text) or [None]
    if view is None:  # nothing needed escaping
        return
    start = view.text.index(value)
    first, last = view.original(start, start + len(value))
    assert urllib.parse.unquote(text[first:last]) == value
