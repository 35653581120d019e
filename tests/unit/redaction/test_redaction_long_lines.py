"""A line too long to hold is redacted in windows: the same result as the whole line, bounded memory.

Small windows here, so that every identifier of a generated line meets a window boundary at some
offset; one test goes through `redact_stream` with the real window size.
"""

from __future__ import annotations

import io
import random

import pytest

from secure_mlops.redaction import Redactor, redact, redact_stream
from secure_mlops.redaction.long_lines import WINDOW, WindowedLine

_RNG = random.Random(7)
_PII = [
    "jane.doe@example.com",
    "123-45-6789",
    "4111 1111 1111 1111",
    "hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE",
    "203.0.113.7",
    'name="Jane Doe"',
    '"email": "x", "full_name": "Jane Doe"',
    "password=hunter2",
    "postgres://mlops:s3cr3t@db.internal:5432/features",
    "+44 20 7946 0958",
    "DE89370400440532013000",
]
_BENIGN = ["INFO", "rows=1000", "latency_ms=12.5", "v1.2.3", "trace_id=4bf92f3577b34da6a3ce929d0e0e4736", "ok", "-", "|"]


def _line(words: int) -> str:
    return " ".join(_RNG.choice(_PII if _RNG.random() < 0.4 else _BENIGN) for _ in range(words))


def _windowed(line: str, piece: int, overlap: int, redactor: Redactor | None = None) -> str:
    windowed = WindowedLine(redactor or Redactor(), overlap=overlap, context=24)
    out = [windowed.feed(line[start : start + piece]) for start in range(0, len(line), piece)]
    return "".join(out) + windowed.finish()


@pytest.mark.parametrize("piece", [97, 150, 233, 512])
def test_a_line_redacted_in_windows_equals_the_line_redacted_whole(piece: int) -> None:
    for _ in range(20):
        line = _line(120)
        assert _windowed(line, piece, overlap=80) == redact(line)


def test_an_identifier_at_every_offset_of_a_window_boundary_is_redacted() -> None:
    for pii in _PII:
        for offset in range(len(pii) + 2):
            line = "x" * (200 - offset) + " " + pii + " tail " * 30
            assert _windowed(line, 201, overlap=80) == redact(line)


def test_a_sensitive_key_at_every_offset_of_a_window_boundary_keeps_its_value_redacted() -> None:
    for offset in range(120):
        line = "r" * offset + " user_email=abc rows=2" + " rows=3" * 40
        assert _windowed(line, 100, overlap=60) == redact(line)


def test_a_value_longer_than_the_overlap_that_ends_inside_the_window_is_redacted_as_usual() -> None:
    # Window 1 is the first 512 characters; its last 64 are held back; the value (380-470)
    # crosses into them and ends in sight of the window's end.
    line = "r" * 373 + " token=" + "A" * 90 + " rows=1" * 100 + "\n"
    assert _windowed(line, 512, overlap=64) == redact(line) == "r" * 373 + " token=[REDACTED:token]" + " rows=1" * 100 + "\n"


def test_a_value_longer_than_the_overlap_across_a_boundary_takes_the_rest_of_the_line() -> None:
    line = "start token=" + "A" * 500 + " rows=3 email=jane@example.com\n"
    assert _windowed(line, 128, overlap=64) == "start token=[REDACTED:token]\n"


def test_an_unterminated_quoted_value_is_redacted_to_the_end() -> None:
    line = 'start {"name": "' + "Jane Doe " * 100 + "\r\n"
    assert _windowed(line, 128, overlap=64) == 'start {"name": "[REDACTED:name]\r\n'


def test_a_short_piece_stream_is_one_line() -> None:
    line = "user jane@example.com ssn 123-45-6789 ok\n"
    assert _windowed(line, 5, overlap=80) == redact(line)


def test_stream_redacts_a_line_longer_than_the_window_and_goes_on() -> None:
    long_line = _line(WINDOW // 8) + "\n"
    assert len(long_line) > 2 * WINDOW
    redacted = list(redact_stream(io.StringIO(long_line + "next ssn 123-45-6789\n")))
    assert len(redacted) > 2  # written window by window, not held whole
    assert "".join(redacted) == redact(long_line) + "next ssn [REDACTED:ssn]\n"


def test_stream_splits_a_long_string_from_a_list_into_windows() -> None:
    long_line = _line(WINDOW // 8)
    assert "".join(redact_stream([long_line, "rows=1\n"])) == redact(long_line) + "rows=1\n"


def test_private_key_opened_at_the_end_of_a_long_line_loses_its_body() -> None:
    lines = io.StringIO(
        "x" * (2 * WINDOW) + " -----BEGIN PRIVATE KEY-----\n" + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        "-----END PRIVATE KEY-----\n" + "after\n"
    )
    out = "".join(redact_stream(lines))
    assert out.endswith(" [REDACTED:private_key]\nafter\n")
    assert "MIIEvQ" not in out
