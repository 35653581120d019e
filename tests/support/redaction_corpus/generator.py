"""Build a labelled corpus: every family and every near-miss kind in every format, seeded."""

from __future__ import annotations

import random

from faker import Faker

from tests.support.redaction_corpus.formats import PROSE, escape, prose_line, structured_line
from tests.support.redaction_corpus.model import BENIGN, FAMILIES, FORMATS, Label, Line
from tests.support.redaction_corpus.templates import TEMPLATE_SETS, TemplateSet
from tests.support.redaction_corpus.values import SENSITIVE, near_miss


def _render(fmt: str, tset: TemplateSet, rng: random.Random, kind: str, values: tuple[str, ...]) -> str:
    if fmt in PROSE:
        message = escape(fmt, tset, rng.choice(tset.prose[kind]).format(*values))
        return prose_line(fmt, tset, rng, message)
    fields = {key: template.format(*values) for key, template in rng.choice(tset.fields[kind]).items()}
    return structured_line(fmt, tset, rng, rng.choice(tset.messages), fields)


def build_corpus(template_set: str, seed: int = 0, per_cell: int = 10, benign_per_cell: int = 30) -> list[Line]:
    """`per_cell` lines for each (family, format) and `benign_per_cell` for each (near-miss kind,
    format) from template set "A" or "B"; the same arguments give the same lines."""
    tset = TEMPLATE_SETS[template_set]
    rng = random.Random(f"{template_set}:{seed}")
    fakers = {}
    for index, locale in enumerate(tset.locales):
        fakers[locale] = Faker(locale)
        fakers[locale].seed_instance(seed * 100 + index)
    lines: list[Line] = []
    for fmt in FORMATS:
        for family in FAMILIES:
            for _ in range(per_cell):
                locale = rng.choice(tset.locales)
                values = SENSITIVE[family](fakers[locale], rng, tset.name)
                text = _render(fmt, tset, rng, family, values)
                labels = tuple(Label(family, escape(fmt, tset, value)) for value in values)
                lines.append(Line(text, family, fmt, locale, labels))
        for kind in BENIGN:
            for _ in range(benign_per_cell):
                text = _render(fmt, tset, rng, kind, (near_miss(kind, rng),))
                lines.append(Line(text, kind, fmt, "", ()))
    rng.shuffle(lines)
    return lines
