"""Line-by-line redaction for `secure-mlops redact` (stdin to stdout)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from secure_mlops.redaction.patterns import PEM_BEGIN, PEM_BODY_LINE, PEM_END
from secure_mlops.redaction.redactor import Redactor, default_redactor


def _opens_private_key(line: str) -> bool:
    """True when the line's last BEGIN PRIVATE KEY marker has no END after it."""
    begins = list(PEM_BEGIN.finditer(line))
    return bool(begins) and PEM_END.search(line, begins[-1].end()) is None


def redact_stream(lines: Iterable[str], redactor: Redactor | None = None) -> Iterator[str]:
    """Redact each line (line endings kept); `redactor` defaults to the shared default one.

    A private key spans lines, which one line's redaction cannot see: after a line that opens a
    key, the key's body and END lines are dropped, so the whole key shows as the BEGIN line's one
    `[REDACTED:private_key]`. A line that cannot belong to a key body ends the key early and is
    redacted as usual, so a stray BEGIN marker cannot swallow the rest of a log.
    """
    active = redactor or default_redactor()
    inside_key = False
    for line in lines:
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
        if "-----BEGIN" in line and _opens_private_key(line):
            inside_key = True
        yield active.redact(line)
