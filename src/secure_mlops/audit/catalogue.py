"""The controls catalogue (`policies/controls.yaml`): what the project answers for, read and checked.

A control is named by tests through `@pytest.mark.control("<id>")`; the audit groups the tests'
outcomes by these ids. The catalogue is checked as it is read, so a typo in it is one clear line
and not an audit that silently reports nothing for a control.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from secure_mlops.audit.engines import KNOWN_ENGINES
from secure_mlops.errors import InputError

CATALOGUE_PATH: Final = Path("policies") / "controls.yaml"
OWASP_ML_TOP_10: Final = {
    "ML01": "Input manipulation attack",
    "ML02": "Data poisoning attack",
    "ML03": "Model inversion attack",
    "ML04": "Membership inference attack",
    "ML05": "Model theft",
    "ML06": "AI supply chain attacks",
    "ML07": "Transfer learning attack",
    "ML08": "Model skewing",
    "ML09": "Output integrity attack",
    "ML10": "Model poisoning",
}
_ID: Final = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_THREAT: Final = re.compile(r"T[1-9][0-9]*")
_FIELDS: Final = ("id", "title", "threats", "owasp", "engine")


@dataclass(frozen=True)
class Control:
    """One control: its id, a one-line title, the threat ids it answers (docs/threat-model.md),
    the OWASP ML Top 10 risks it answers, and the engine its evidence rests on."""

    id: str
    title: str
    threats: tuple[str, ...]
    owasp: tuple[str, ...]
    engine: str


def load_catalogue(path: Path) -> tuple[Control, ...]:
    """The controls of the catalogue at `path`, in its order; InputError naming the entry and the
    field when one is malformed, duplicated or missing."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the controls catalogue {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path} is not valid YAML: {_yaml_problem(exc)}") from None
    entries = document.get("controls") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path} must hold a non-empty list under `controls:`")
    controls = tuple(_control(path, position, entry) for position, entry in enumerate(entries, start=1))
    seen: set[str] = set()
    for control in controls:
        if control.id in seen:
            raise InputError(f"{path}: control id {control.id!r} appears twice")
        seen.add(control.id)
    return controls


def _control(path: Path, position: int, entry: object) -> Control:
    where = f"{path}: control #{position}"
    if not isinstance(entry, dict):
        raise InputError(f"{where} must be a mapping with {', '.join(_FIELDS)}")
    unknown = sorted(set(entry) - set(_FIELDS))
    missing = [name for name in _FIELDS if name not in entry]
    if unknown or missing:
        raise InputError(f"{where} has unknown fields {unknown} or lacks {missing}",
                         hint=f"each control has exactly {', '.join(_FIELDS)}")
    control_id, title, engine = entry["id"], entry["title"], entry["engine"]
    if not isinstance(control_id, str) or not _ID.fullmatch(control_id):
        raise InputError(f"{where}: id must be lowercase words joined by '-', such as key-lifecycle")
    where = f"{path}: control {control_id!r}"
    for name, value in (("title", title), ("engine", engine)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: {name} must be a non-empty string")
    if engine.strip() not in KNOWN_ENGINES:
        raise InputError(f"{where}: engine {engine!r} is not one the audit can report a version of",
                         hint=f"one of {', '.join(sorted(KNOWN_ENGINES))}")
    threats = _codes(where, "threats", entry["threats"], _THREAT.fullmatch, "T1..T15")
    if not threats:
        raise InputError(f"{where}: threats must name at least one threat of docs/threat-model.md")
    owasp = _codes(where, "owasp", entry["owasp"], OWASP_ML_TOP_10.__contains__, ", ".join(OWASP_ML_TOP_10))
    return Control(control_id, title.strip(), threats, owasp, engine.strip())


def _codes(where: str, name: str, value: object, valid: Callable[[str], object], expected: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(code, str) and valid(code) for code in value):
        raise InputError(f"{where}: {name} must be a list of {expected}")
    return tuple(value)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # The parser's message can quote the document; the line and column are enough to find it.
    mark = getattr(exc, "problem_mark", None)
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "cannot be parsed"
