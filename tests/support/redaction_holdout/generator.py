"""Assemble the held-out corpus: every family in every format, near misses in rotating formats."""

from __future__ import annotations

import datetime as dt
import random

from tests.support.redaction_corpus.model import FAMILIES, Label, Line
from tests.support.redaction_holdout import benign
from tests.support.redaction_holdout.events import EventFactory
from tests.support.redaction_holdout.formats import FORMATS
from tests.support.redaction_holdout.locales import LOCALES
from tests.support.redaction_holdout.segments import Value, text_of

BENIGN_FORMATS_PER_KIND = 2
START = dt.datetime(2026, 11, 2, 6, 0, tzinfo=dt.UTC)


def _line(value: Value, kind: str, fmt: str, locale: str) -> Line:
    labels = tuple(Label(seg.family, seg.text) for seg in value if seg.family)
    return Line(text=text_of(value), kind=kind, format=fmt, locale=locale, labels=labels)


def build_holdout(seed: int = 0, per_cell: int = 8, benign_per_cell: int = 20) -> list[Line]:
    """`per_cell` lines for each (family, format) and `benign_per_cell` for each (near-miss kind,
    format) pair, every near-miss kind in BENIGN_FORMATS_PER_KIND formats, rotated so all formats
    get some. Locales rotate line by line. The same seed gives the same lines."""
    rng = random.Random(seed)
    factories = [EventFactory(spec, rng) for spec in LOCALES]
    moment = START
    lines: list[Line] = []
    counter = 0
    for family in FAMILIES:
        for fmt, render in FORMATS.items():
            for _ in range(per_cell):
                factory = factories[counter % len(factories)]
                counter += 1
                while True:  # a layout may leave out an optional slot; keep lines that hold their family
                    moment += dt.timedelta(microseconds=rng.randrange(5_000, 60_000_000))
                    line = _line(render(factory.event(family), rng, moment), family, fmt, factory.spec.code)
                    if any(label.family == family for label in line.labels):
                        break
                lines.append(line)
    names = list(FORMATS)
    for index, kind in enumerate(benign.kinds()):
        for offset in range(BENIGN_FORMATS_PER_KIND):
            fmt = names[(index * BENIGN_FORMATS_PER_KIND + offset) % len(names)]
            for _ in range(benign_per_cell):
                moment += dt.timedelta(microseconds=rng.randrange(5_000, 60_000_000))
                lines.append(_line(FORMATS[fmt](benign.event(kind, rng), rng, moment), kind, fmt, "und"))
    return lines
