"""Load a data contract from YAML, reporting problems with the line of the wrong item.

PyYAML's composed node tree keeps each item's position (`start_mark.line`); a pydantic error
location such as `("columns", 3, "action")` is walked down that tree to find the line. Messages
name the contract's own items (field names, the unknown word that was written) and never the
validated object as a whole.

YAML 1.1, which PyYAML follows, reads an unquoted `yes`, `no`, `on` or `off` as a boolean, and
`1.0` as a number: `allowed_values: [yes, no]` on a string column then fails far from its cause.
A problem found on such a scalar says what it was read as, names the column and tells to quote it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import DataContract

Location = tuple[int | str, ...]


def load_contract(path: Path) -> DataContract:
    """Read and validate the contract at `path`; any problem is an `InputError` with a line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the contract ({type(exc).__name__})") from None
    return parse_contract(text, source=path.name)


def parse_contract(text: str, *, source: str = "<contract>") -> DataContract:
    """Validate contract YAML given as text; `source` names it in error messages."""
    contract, problems = _validate(text, source)
    if contract is not None:
        return contract
    more = len(problems) - 1
    raise InputError(problems[0], hint=f"and {more} more problem{'s' if more > 1 else ''}" if more else None)


def contract_problems(text: str, *, source: str = "<contract>") -> list[str]:
    """Every problem found in contract YAML, one line each (`source:line: where: what`); empty
    when it is valid. Rules that need valid fields are checked once those are fixed."""
    try:
        return _validate(text, source)[1]
    except InputError as exc:  # YAML that does not parse, or a duplicate key: one problem
        return [str(exc)]


def _validate(text: str, source: str) -> tuple[DataContract | None, list[str]]:
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise InputError(f"{source}:{line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError:
        raise InputError(f"{source}: invalid YAML") from None
    if root is not None:
        _reject_duplicate_keys(root, source)
    try:
        return DataContract.model_validate(data), []
    except ValidationError as exc:
        problems = _problems(root, data, exc.errors())
    return None, [f"{source}:{line}: {where}: {message}" if where else f"{source}:{line}: {message}"
                  for (line, where), message in problems]


def _problems(root: yaml.Node | None, data: Any, errors: list[ErrorDetails],
              ) -> list[tuple[tuple[int, str], str]]:
    """One message per wrong item, sorted by line; union alternatives are folded into one."""
    found: dict[tuple[int, str], list[tuple[str, str | None]]] = {}
    for error in errors:
        loc, message = _describe(error)
        node, depth = _resolve(root, loc)
        line = node.start_mark.line + 1 if node is not None else 1
        # Parts of `loc` past a scalar name the union member pydantic tried (`min.int`).
        trap = _unquoted_trap(node, data, loc[:depth])
        if trap is not None:
            found.setdefault((line, _path(loc[:depth])), []).append((trap, None))
            continue
        alternative: str | None = None
        if error["type"] not in ("missing", "contract_rule") and depth < len(loc):
            # pydantic names the union member tried (`min.int`, `min.date`): not a contract item.
            alternative, loc = str(loc[depth]), loc[:depth]
        found.setdefault((line, _path(loc)), []).append((message, alternative))
    problems = []
    for place, entries in found.items():
        alternatives = [a for _, a in entries if a is not None]
        if len(alternatives) > 1:
            expected = f"{', '.join(alternatives[:-1])} or {alternatives[-1]}"
            problems.append((place, f"wrong type (expected {expected})"))
        else:
            problems.append((place, entries[0][0]))
    return sorted(problems)


def _reject_duplicate_keys(node: yaml.Node, source: str, visited: set[int] | None = None) -> None:
    # PyYAML silently keeps the last of two equal keys: a second `action:` would win unseen.
    visited = set() if visited is None else visited
    if id(node) in visited:  # an alias: checked already (and it may be recursive)
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    line = key.start_mark.line + 1
                    raise InputError(f"{source}:{line}: duplicate key {key.value!r}")
                seen.add(key.value)
            _reject_duplicate_keys(value, source, visited)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _reject_duplicate_keys(item, source, visited)


def _describe(error: ErrorDetails) -> tuple[Location, str]:
    """The location and a message of our own for one pydantic error."""
    loc: Location = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "contract_rule":
        at = ctx.get("at", "")
        loc += tuple(int(p) if p.isdigit() else p for p in at.split(".") if p)
        return loc, str(ctx["detail"])
    if kind == "enum" and loc:
        expected = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        written = error["input"]
        shown = f" {written!r}" if isinstance(written, str) and len(written) <= 40 else ""
        return loc, f"unknown {loc[-1]}{shown} (expected one of {expected})"
    if kind == "missing":
        return loc, "missing required field"
    if kind == "extra_forbidden":
        return loc, "unknown field"
    if kind == "model_type":
        return loc, "expected a mapping"
    return loc, error["msg"]


def _path(loc: Location) -> str:
    """`("columns", 3, "action")` -> `columns[3].action`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# What YAML 1.1 resolves a plain scalar to, by tag; the words `true` and `false` are meant.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


def _unquoted_trap(node: yaml.Node | None, data: Any, loc: Location) -> str | None:
    """The message for a problem on an unquoted word YAML read as a boolean (or a number where
    text was wanted), else None."""
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:  # quoted or block text
        return None
    written = node.value
    if node.tag == _BOOL_TAG and written.lower() not in ("true", "false"):
        meaning = "true" if written.lower() in ("yes", "on") else "false"
        why = f"was read as the boolean {meaning} (YAML 1.1 reads unquoted yes/no/on/off as booleans)"
    elif node.tag in _NUMBER_TAGS and not _expects_number(loc):
        why = "was read as a number (YAML reads unquoted digits as numbers)"
    else:
        return None
    column = _column_name(data, loc)
    where = f"column {column!r}: " if column is not None else ""
    return f'{where}{written} {why}: quote it, "{written}"'


def _expects_number(loc: Location) -> bool:
    # Bounds, bucket widths and counts are numbers; a number there is a wrong number, not a trap.
    return bool(loc) and loc[-1] in ("min", "max", "bucket", "keep_chars", "keep_last", "k")


def _column_name(data: Any, loc: Location) -> str | None:
    if len(loc) < 2 or loc[0] != "columns" or not isinstance(loc[1], int) or not isinstance(data, dict):
        return None
    columns = data.get("columns")
    if not isinstance(columns, list) or loc[1] >= len(columns) or not isinstance(columns[loc[1]], dict):
        return None
    name = columns[loc[1]].get("name")
    return name if isinstance(name, str) else None


def _resolve(root: yaml.Node | None, loc: Location) -> tuple[yaml.Node | None, int]:
    """The deepest node along `loc`, and how many parts of `loc` were found.

    A missing item resolves to its parent.
    """
    if root is None:
        return None, 0
    node, depth = root, 0
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value
                          if isinstance(k, yaml.ScalarNode) and k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, depth = child, depth + 1
    return node, depth
