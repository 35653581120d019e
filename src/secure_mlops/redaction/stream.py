"""Line-by-line redaction for `secure-mlops redact` (stdin to stdout)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Final

from secure_mlops.redaction.long_lines import WINDOW, WindowedLine
from secure_mlops.redaction.patterns import PEM_BEGIN, PEM_BODY_LINE, PEM_END
from secure_mlops.redaction.redactor import default_redactor
from secure_mlops.redaction.spans import LineRedactor

# What is kept of a long line's previous piece to find a PEM marker cut in two.
_MARKER_TAIL: Final = 128


def _key_open_after(text: str, open_before: bool) -> bool:
    """Whether a private key is open after `text`: its last BEGIN marker has no END after it, or,
    with no BEGIN in it, one was open before and no END closes it."""
    begins = list(PEM_BEGIN.finditer(text)) if "-----BEGIN" in text else []
    if begins:
        return PEM_END.search(text, begins[-1].end()) is None
    return open_before and PEM_END.search(text) is None


def _pieces(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """The input in pieces of at most WINDOW characters, each with whether it ends its line.

    A file is read with `readline(WINDOW)`, so a longer line is never in memory whole; a longer
    string from any other iterable is sliced.
    """
    readline = getattr(lines, "readline", None)
    if readline is not None:
        for piece in iter(functools.partial(readline, WINDOW), ""):
            yield piece, len(piece) < WINDOW or piece.endswith("\n")
        return
    for line in lines:
        if len(line) <= WINDOW:
            yield line, True
            continue
        for start in range(0, len(line), WINDOW):
            yield line[start : start + WINDOW], start + WINDOW >= len(line)


def redact_stream(lines: Iterable[str], redactor: LineRedactor | None = None) -> Iterator[str]:
    """Redact each line (line endings kept); `redactor` defaults to the shared default one.

    `lines` is a text file (read in bounded pieces) or any iterable of lines. A line longer than
    `long_lines.WINDOW` characters is redacted, and written, window by window (see long_lines.py).

    A private key spans lines, which one line's redaction cannot see: after a line that opens a
    key, the key's body and END lines are dropped, so the whole key shows as the BEGIN line's one
    `[REDACTED:private_key]`. A line that cannot belong to a key body ends the key early and is
    redacted as usual, so a stray BEGIN marker cannot swallow the rest of a log.
    """
    active = redactor or default_redactor()
    inside_key = False
    long_line: WindowedLine | None = None
    tail = ""
    for piece, ends_line in _pieces(lines):
        if long_line is None and ends_line:
            line = piece
            if inside_key:
                end = PEM_END.search(line)
                if end is not None:
                    inside_key = False
                    line = line[end.end() :]
                    if not line.strip():
                        continue
                elif PEM_BODY_LINE.fullmatch(line):
                    continue
                else:
                    inside_key = False
            if "-----BEGIN" in line and _key_open_after(line, False):
                inside_key = True
            yield active.redact(line)
            continue
        if long_line is None:
            # No key body line is this long; the key ends here, at its END marker if it has one.
            end = PEM_END.search(piece) if inside_key else None
            piece = piece[end.end() :] if end is not None else piece
            long_line, inside_key, tail = WindowedLine(active), False, ""
        inside_key = _key_open_after(tail + piece, inside_key)
        tail = piece[-_MARKER_TAIL:]
        written = long_line.feed(piece)
        if written:
            yield written
        if ends_line:
            yield long_line.finish()
            long_line = None
    if long_line is not None:
        yield long_line.finish()
