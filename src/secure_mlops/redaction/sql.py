"""The values of sensitive columns in logged SQL INSERT statements.

A statement log (`LOG:  statement: INSERT INTO customers (id, email, full_name) VALUES (7,
'ana@example.com', 'Ana García')`) keeps each value apart from its column, where a key finder
does not look. The column list and the value list are read in step, and the value of a column
whose name is sensitive (the same names as the keys: `full_name`, `ssn`, `phone`, a data
contract's identifier columns) is redacted, with the label its key would give. Several rows
(`VALUES (...), (...)`) are read row by row. `UPDATE ... SET col = 'v'` and `WHERE col = 'v'` need
nothing of this: there the column stands next to its value, as a key does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from secure_mlops.redaction.masks import is_masked
from secure_mlops.redaction.spans import Span

_INSERT: Final = re.compile(
    r"(?i:insert)\s+(?i:into)\s+[\w.`\"\[\]]+\s*\((?P<columns>[^()]*)\)\s*(?i:values)\s*", re.ASCII
)
# One value of a row: a quoted string (quotes doubled or escaped inside), or anything up to the
# next comma or the row's end (a number, NULL, a function call without commas such as now()).
_VALUE: Final = re.compile(
    r"\s*(?:'(?P<single>(?:[^'\\]|''|\\.)*)'|\"(?P<double>(?:[^\"\\]|\"\"|\\.)*)\"|(?P<bare>[^,()'\"]*(?:\(\))?))\s*"
)
_ROW_START: Final = re.compile(r"\s*,?\s*\(")
_COLUMN_QUOTES: Final = "`\"[] "
_NO_DATA: Final = frozenset({"NULL", "DEFAULT", "TRUE", "FALSE"})


def find(text: str, label_for: Callable[[str], str | None], out: list[Span]) -> None:
    """Append a span for each value of a sensitive column in `text`'s INSERT statements;
    `label_for(column)` gives a column's replacement, or None if it is not sensitive."""
    for statement in _INSERT.finditer(text):
        labels = [label_for(column.strip(_COLUMN_QUOTES)) for column in statement["columns"].split(",")]
        if not any(labels):
            continue
        position = statement.end()
        while (row := _ROW_START.match(text, position)) is not None:
            position = _row(text, row.end(), labels, out)
            if position < 0:
                break


def _holds_data(value: str) -> bool:
    """Whether a value may hold personal data: not empty, NULL, DEFAULT, a boolean, a function
    call such as now(), or a value already masked."""
    return bool(value) and value.upper() not in _NO_DATA and not value.endswith("()") and not is_masked(value)


def _row(text: str, position: int, labels: list[str | None], out: list[Span]) -> int:
    """Read one row's values from `position` (after its `(`); the position after its `)`, or -1
    if the row does not read as one."""
    for index, replacement in enumerate(labels):
        value = _VALUE.match(text, position)
        if value is None:
            return -1
        group = value.lastgroup or "bare"
        if replacement is not None and _holds_data(value[group]):
            out.append((value.start(group), value.end(group), replacement))
        position = value.end()
        separator = "," if index < len(labels) - 1 else ")"
        if text[position : position + 1] != separator:
            return -1
        position += 1
    return position
