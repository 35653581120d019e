"""Score a redact function on a labelled corpus: per-family recall and per-kind benign-kept rate.

A value is caught when no run of 4 of its characters survives in the output. Runs are counted
against the rest of the line, so a run the line also holds outside the value (a user name that
is also in the path) is no leak, and redaction markers are taken out first, so `[REDACTED:email]`
does not count as a leak of a value holding "mail".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.support.redaction_corpus.model import Line

RUN = 4
MARKER = re.compile(r"\[REDACTED(?::[^\]]*)?\]")


def caught(value: str, line: str, output: str, marker: re.Pattern[str] = MARKER) -> bool:
    """Whether `output` (the redacted `line`) holds no run of RUN characters of `value` more often than
    the rest of `line` does."""
    size = min(RUN, len(value))
    runs = {value[start : start + size] for start in range(len(value) - size + 1)}
    rest, kept = line.replace(value, "\x00"), marker.sub("\x00", output)
    return all(kept.count(run) <= rest.count(run) for run in runs)


@dataclass
class Score:
    """Counts per family (values caught / values) and per near-miss kind (lines kept / lines)."""

    caught: Counter[str] = field(default_factory=Counter)
    values: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    benign: Counter[str] = field(default_factory=Counter)

    def recall(self, families: Iterable[str] | None = None) -> float:
        names = list(self.values) if families is None else list(families)
        total = sum(self.values[name] for name in names)
        return sum(self.caught[name] for name in names) / total if total else float("nan")

    def kept_rate(self, kinds: Iterable[str] | None = None) -> float:
        names = list(self.benign) if kinds is None else list(kinds)
        total = sum(self.benign[name] for name in names)
        return sum(self.kept[name] for name in names) / total if total else float("nan")


def score(lines: Iterable[Line], redact: Callable[[str], str]) -> Score:
    result = Score()
    for line in lines:
        output = redact(line.text)
        if line.benign:
            result.benign[line.kind] += 1
            result.kept[line.kind] += output == line.text
            continue
        for label in line.labels:
            result.values[label.family] += 1
            result.caught[label.family] += caught(label.text, line.text, output)
    return result
