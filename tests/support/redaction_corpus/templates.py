"""Two template sets, A and B, written apart: different wording, key spellings, nesting and locales.

Why two: a detector shaped on one set's lines would score well on that set for the wrong reason.
Tune on one corpus, judge on the other; a gap between the two is what a new log will do to the
detectors. Keep the sets apart when editing them: no phrase, key name or nesting of one copied
into the other.

A prose template is one line of free text with `{0}`, `{1}` for the values; a field template is
the keys a structured log (logfmt, JSON, an access line's query) would carry, with the values
inside. The field named `client_key` is the remote address of an access line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

Fields = dict[str, str]

@dataclass(frozen=True)
class TemplateSet:
    name: str
    locales: tuple[str, ...]
    prose: dict[str, tuple[str, ...]]
    fields: dict[str, tuple[Fields, ...]]
    messages: tuple[str, ...]  # the msg of a structured line whose values are all in its fields
    json_path: tuple[str, ...]  # where a JSON line nests its fields
    json_ascii: bool  # whether a JSON line escapes non-ASCII characters (Python's json default)
    client_key: str  # the field an access line shows as its remote address, not in its query


def _load(path: Path) -> TemplateSet:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TemplateSet(
        name=raw["name"],
        locales=tuple(raw["locales"]),
        prose={family: tuple(texts) for family, texts in raw["prose"].items()},
        fields={family: tuple(fields) for family, fields in raw["fields"].items()},
        messages=tuple(raw["messages"]),
        json_path=tuple(raw["json_path"]),
        json_ascii=raw["json_ascii"],
        client_key=raw["client_key"],
    )


# The sets are data, one file each (templates_a.yaml, templates_b.yaml).
TEMPLATE_SETS = {name: _load(Path(__file__).with_name(f"templates_{name.lower()}.yaml")) for name in ("A", "B")}
