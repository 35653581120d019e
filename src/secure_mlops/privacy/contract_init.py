"""Propose a data contract from a sample of the data, for a person to review.

Each column is given a type (read from Parquet, inferred from CSV text the way the loader will
cast it), a classification and an action, with a comment saying why:

- the target is the `--target` column, else a guess by name (or a last column with few values);
- direct identifiers by their name (the redaction's sensitive keys: `email`, `phone`, `name`...)
  or by their values (what the redaction detectors find in them: e-mail addresses, phone and
  national numbers, addresses, personal names); identifier-like columns (`customer_id`, `ref`)
  whose values are nearly all distinct are pseudonymized, so rows stay joinable;
- quasi-identifiers by name (age, zip or postcode, date of birth, gender, ...);
- the rest are features; those the trainer cannot take (text, dates) are dropped.

Quasi-identifiers are then generalized until the sample is k-anonymous: each climbs a ladder
(keep, bucket widths / fewer characters / month, year, decade, then drop), one step at a time,
always the step that leaves the fewest rows in groups below k; once k is reached, each is brought
back down as far as k allows. The comment on each says what the next finer step gave.

Values never reach the proposal, except a label's few distinct values (its `allowed_values`).
The proposal is checked as `contract check --data SAMPLE` would check it before it is returned.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import Action, Classification, ColumnType, DataContract
from secure_mlops.privacy.contract_check import apply_plans, check_data, counting_plans
from secure_mlops.privacy.kanonymity import GroupCounter, KAnonymityResult
from secure_mlops.privacy.loader import parse_contract
from secure_mlops.privacy.sources import ARROW_TYPES, open_source

# The sample is read whole: a sample, not the full extract (`contract check` streams that).
MAX_SAMPLE_ROWS = 1_000_000
# Values of a column run through the redaction detectors, and the share that must match.
VALUES_LOOKED_AT = 200
MATCH_SHARE = 0.5
# A column whose values are nearly all distinct is an identifier (or free text).
DISTINCT_SHARE = 0.9
# A label with at most this many values gets them as `allowed_values`.
MAX_LABEL_VALUES = 20
_BATCH_ROWS = 65_536

_QUASI_WORDS = frozenset({
    "age", "zip", "zipcode", "postcode", "postal", "plz", "gender", "sex", "birth", "birthday", "dob",
    "born", "race", "ethnicity", "nationality", "marital", "religion", "city", "town", "county",
})
_TEXT_WORDS = frozenset({"zip", "zipcode", "postcode", "postal", "plz", "phone", "tel", "mobile"})
_ID_WORDS = frozenset({"id", "ref", "uuid", "guid", "key", "number", "no", "nr", "code"})
_TARGET_WORDS = frozenset({
    "target", "label", "class", "outcome", "churn", "churned", "default", "defaulted", "fraud",
    "diagnosis", "survived", "response", "converted", "y",
})
_NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.FLOAT, ColumnType.BOOLEAN})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

Level = tuple[Action, dict[str, Any]]  # one step of a quasi-identifier's ladder
_KEEP: Level = (Action.KEEP, {})
_DROP: Level = (Action.DROP, {})


@dataclass(frozen=True)
class Proposal:
    """The proposed contract, as YAML with a comment on every choice, and what it achieves."""

    text: str
    contract: DataContract
    rows: int
    k_achieved: int | None


@dataclass
class _Column:
    name: str
    type: ColumnType
    classification: Classification
    action: Action = Action.KEEP
    params: dict[str, Any] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)
    allowed_values: list[Any] | None = None
    ladder: list[Level] = field(default_factory=list)


def propose_contract(sample: Path, *, k: int = 5, target: str | None = None, name: str | None = None) -> Proposal:
    """A contract for data like `sample` (CSV or Parquet) that reaches `k` on it; see the module
    docstring. Raises `InputError` for an unreadable sample, an unknown target, or a sample with
    fewer rows than k (no generalization can reach k then)."""
    if k < 1:
        raise InputError(f"k must be at least 1, not {k}")
    table = _read_sample(sample)
    if target is not None and target not in table.column_names:
        raise InputError(f"--target {target!r} is not a column of {sample.name}",
                         hint=f"columns: {', '.join(table.column_names)}")
    if table.num_rows < k:
        raise InputError(f"{sample.name} has {table.num_rows} rows, fewer than k = {k}: no contract reaches k on it",
                         hint="use a larger sample")
    columns = [_classify(n, table.column(n).combine_chunks()) for n in table.column_names]
    _mark_target(columns, table, target)
    result = _reach_k(columns, table, k)
    text = _render(columns, sample, table.num_rows, k, name or _contract_name(sample))
    contract = parse_contract(text, source="proposal")
    check = check_data(contract, sample)
    failure = check.failure()
    if failure is not None:  # a bug here, not the user's: say what the check found
        found = check.problems[0] if check.problems else str(failure)
        raise InputError(f"the proposed contract does not pass its own check: {found}")
    return Proposal(text, contract, table.num_rows, result.k_achieved if result else table.num_rows)


# -- reading and typing ---------------------------------------------------------------------------

def _read_sample(sample: Path) -> pa.Table:
    """The sample with each column typed: Parquet's own types, CSV text inferred."""
    source = open_source(sample)
    native = _parquet_types(sample) if source.format == "parquet" else {}
    read = {n: native.get(n, ColumnType.STRING) for n in source.column_names}
    batches, rows = [], 0
    with closing(source.batches(read, _BATCH_ROWS)) as stream:
        for batch in stream:
            rows += batch.num_rows
            if rows > MAX_SAMPLE_ROWS:
                raise InputError(f"{sample.name} has more than {MAX_SAMPLE_ROWS:,} rows",
                                 hint="pass a sample; `contract check --data` checks the full data")
            batches.append(batch)
    if not rows:
        raise InputError(f"{sample.name}: no data rows")
    table = pa.Table.from_batches(batches)
    if source.format == "parquet":
        return table
    return pa.table({n: _infer(n, table.column(n).combine_chunks()) for n in table.column_names})


def _parquet_types(path: Path) -> dict[str, ColumnType]:
    with pq.ParquetFile(path) as parquet:
        schema = parquet.schema_arrow
    out = {}
    for column in schema:
        t = column.type
        if pa.types.is_integer(t):
            out[column.name] = ColumnType.INTEGER
        elif pa.types.is_floating(t) or pa.types.is_decimal(t):
            out[column.name] = ColumnType.FLOAT
        elif pa.types.is_date(t):
            out[column.name] = ColumnType.DATE
        elif pa.types.is_boolean(t):
            out[column.name] = ColumnType.BOOLEAN
    return out  # anything else is read as text


def _infer(name: str, text: pa.Array) -> pa.Array:
    """The column cast to the first type that takes every value, as the loader will cast it."""
    values = text.drop_null()
    keeps_text = bool(_words(name) & _TEXT_WORDS) or pc.any(pc.match_substring_regex(values, r"^0[0-9]")).as_py()
    if len(values) and not keeps_text:  # leading zeros would be lost in a number
        for ctype in (ColumnType.INTEGER, ColumnType.FLOAT, ColumnType.DATE, ColumnType.BOOLEAN):
            try:
                return pc.cast(text, ARROW_TYPES[ctype])
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue
    return text


def _type_of(array: pa.Array) -> ColumnType:
    return next(c for c, t in ARROW_TYPES.items() if t == array.type)


# -- classification -------------------------------------------------------------------------------

def _words(name: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(name)}


def _classify(name: str, array: pa.Array) -> _Column:
    from secure_mlops.redaction import Redactor

    ctype = _type_of(array)
    words = _words(name)
    values = array.drop_null()
    distinct = pc.count_distinct(values).as_py() if len(values) else 0
    if words & _QUASI_WORDS:
        column = _Column(name, ctype, Classification.QUASI_IDENTIFIER,
                         why=[f"quasi-identifier: its name ({name}) reads as a demographic or a place"])
        column.ladder = _ladder(column, values)
        return column
    label = Redactor().label_for(name)
    if label is not None:
        return _Column(name, ctype, Classification.DIRECT_IDENTIFIER, Action.DROP,
                       why=[f"direct identifier: a column named {name} holds {_kind(label)} data (the redaction's "
                            "sensitive keys); dropped"])
    if words & _ID_WORDS and ctype in (ColumnType.STRING, ColumnType.INTEGER) and distinct >= DISTINCT_SHARE * len(values):
        return _Column(name, ctype, Classification.DIRECT_IDENTIFIER, Action.PSEUDONYMIZE,
                       why=[f"direct identifier: named like an id, {distinct} distinct values in {len(values)} rows; "
                            "pseudonymized (keyed HMAC) so rows stay joinable: drop it if nothing joins on it"])
    if ctype is ColumnType.STRING:
        kind, share = _value_kind(values, names=distinct > MAX_LABEL_VALUES)
        if kind is not None:
            return _Column(name, ctype, Classification.DIRECT_IDENTIFIER, Action.DROP,
                           why=[f"direct identifier: {share:.0%} of the values looked at read as {kind} "
                                "(the redaction detectors); dropped"])
        if len(values) > MAX_LABEL_VALUES and distinct >= DISTINCT_SHARE * len(values):
            return _Column(name, ctype, Classification.DIRECT_IDENTIFIER, Action.DROP,
                           why=[f"direct identifier or free text: {distinct} distinct values in {len(values)} rows; dropped"])
    if ctype in _NUMERIC:
        return _Column(name, ctype, Classification.FEATURE, why=["feature: a model input"])
    return _Column(name, ctype, Classification.FEATURE, Action.DROP,
                   why=[f"feature, dropped: the trainer takes numeric features only ({ctype.value} is not); "
                        "keep it if another consumer needs it"])


def _kind(label: str) -> str:
    return label.removeprefix("[REDACTED:").removesuffix("]").replace("_", " ")


def _value_kind(values: pa.Array, *, names: bool) -> tuple[str | None, float]:
    """What most of the first distinct values read as, for the redaction detectors, and the share.

    Personal names only with `names`: a column of few values ("Gold Plan") is a category.
    """
    from secure_mlops.redaction import Redactor
    from secure_mlops.redaction.names import looks_like_name

    redactor = Redactor()
    looked = [v for v in pc.unique(values).to_pylist()[:VALUES_LOOKED_AT] if v.strip()]
    kinds: Counter[str] = Counter()
    for value in looked:
        spans = redactor.spans(value)
        if spans and sum(end - start for start, end, _ in spans) * 2 >= len(value):
            kinds[_kind(spans[0][2])] += 1
        elif names and looks_like_name(value):
            kinds["name"] += 1
    if not kinds:
        return None, 0.0
    kind, count = kinds.most_common(1)[0]
    share = count / len(looked)
    return (kind, share) if share >= MATCH_SHARE else (None, 0.0)


def _mark_target(columns: list[_Column], table: pa.Table, target: str | None) -> None:
    by_name = {c.name: c for c in columns}
    if target is not None:
        chosen, why = by_name[target], "label: the model's target (--target)"
    else:
        free = [c for c in columns if c.classification is Classification.FEATURE]
        named = [c for c in free if _words(c.name) & _TARGET_WORDS]
        last = free[-1] if free and free[-1] is columns[-1] else None
        few = last is not None and pc.count_distinct(table.column(last.name)).as_py() <= MAX_LABEL_VALUES
        if named:
            chosen, why = named[0], f"label: guessed from its name ({named[0].name}); check it, or pass --target COLUMN"
        elif few and last is not None:
            chosen, why = last, "label: guessed (the last column, with few values); check it, or pass --target COLUMN"
        else:
            return
    values = table.column(chosen.name).drop_null()
    chosen.classification, chosen.action, chosen.params, chosen.ladder = Classification.LABEL, Action.KEEP, {}, []
    chosen.why = [why]
    distinct = pc.unique(values.combine_chunks()).to_pylist()
    if chosen.type in (ColumnType.STRING, ColumnType.INTEGER, ColumnType.BOOLEAN) and len(distinct) <= MAX_LABEL_VALUES:
        chosen.allowed_values = sorted(distinct, key=str)
    if len(distinct) != 2:
        chosen.why.append(f"{len(distinct)} distinct values: the trainer takes two classes only")


# -- reaching k -----------------------------------------------------------------------------------

def _ladder(column: _Column, values: pa.Array) -> list[Level]:
    """The column's generalizations, finest first; the last is always `drop`."""
    ctype = column.type
    if ctype is ColumnType.DATE:
        return [_KEEP, *[(Action.GENERALIZE, {"to": to}) for to in ("month", "year", "decade")], _DROP]
    if ctype in (ColumnType.INTEGER, ColumnType.FLOAT) and len(values):
        low, high = pc.min_max(values).values()
        widths = _widths(float(high.as_py()) - float(low.as_py()), whole=ctype is ColumnType.INTEGER)
        return [_KEEP, *[(Action.GENERALIZE, {"bucket": w}) for w in widths], _DROP]
    if ctype is ColumnType.STRING and len(values):
        longest = pc.max(pc.utf8_length(values)).as_py()
        codes = pc.all(pc.match_substring_regex(values, r"^\s*[0-9A-Za-z][0-9A-Za-z -]*$")).as_py()
        if codes and longest > 1 and pc.count_distinct(values).as_py() > MAX_LABEL_VALUES:
            return [_KEEP, *[(Action.GENERALIZE, {"keep_chars": n}) for n in range(longest - 1, 0, -1)], _DROP]
    return [_KEEP, _DROP]


def _widths(span: float, *, whole: bool) -> list[int | float]:
    """Round bucket widths from a 200th of the span up to the first that holds it all."""
    out: list[int | float] = []
    if span <= 0:
        return out
    exponent = int(f"{span / 200:e}".split("e")[1])
    while True:
        for mantissa in ("1", "2", "2.5", "3", "4", "5", "7.5"):
            width = Decimal(mantissa).scaleb(exponent)
            if width * 200 < Decimal(str(span)) or (whole and (width < 2 or width != width.to_integral_value())):
                continue
            out.append(int(width) if whole else float(width))
            if width >= Decimal(str(span)):
                return out
        exponent += 1


class _Search:
    """The k-anonymity of the sample for a choice of level per quasi-identifier."""

    def __init__(self, columns: Sequence[_Column], table: pa.Table, k: int) -> None:
        self.columns = list(columns)
        self.table = table
        self.k = k
        self._written: dict[tuple[str, int], pa.Array] = {}

    def result(self, levels: dict[str, int]) -> KAnonymityResult:
        kept = {c.name: self._column(c, levels[c.name]) for c in self.columns if c.ladder[levels[c.name]] != _DROP}
        counter = GroupCounter(list(kept))
        counter.add(pa.RecordBatch.from_arrays(list(kept.values()), names=list(kept)) if kept
                    else pa.RecordBatch.from_pydict({"rows": pa.nulls(self.table.num_rows)}))
        return counter.result(self.k)

    def _column(self, column: _Column, level: int) -> pa.Array:
        key = (column.name, level)
        if key not in self._written:
            from secure_mlops.privacy.contract import Column

            action, params = column.ladder[level]
            spec = Column(name=column.name, type=column.type, classification=column.classification,
                          action=action, params=params)
            batch = pa.RecordBatch.from_arrays([self.table.column(column.name).combine_chunks()], names=[column.name])
            self._written[key] = apply_plans(counting_plans([spec]), batch).column(0)
        return self._written[key]


def _reach_k(columns: list[_Column], table: pa.Table, k: int) -> KAnonymityResult | None:
    """Choose each quasi-identifier's level (see the module docstring) and explain it."""
    quasi = [c for c in columns if c.classification is Classification.QUASI_IDENTIFIER]
    if not quasi:
        return None
    search = _Search(quasi, table, k)
    levels = {c.name: 0 for c in quasi}
    result = search.result(levels)
    while not result.satisfied:
        tried = []
        for column in quasi:
            if levels[column.name] + 1 < len(column.ladder):
                step = {**levels, column.name: levels[column.name] + 1}
                tried.append((_cost(search.result(step)), column.name, step))
        _, _, levels = min(tried, key=lambda t: t[0])
        result = search.result(levels)
    changed = True
    while changed:  # bring each back down as far as k allows: the climb may have overshot
        changed = False
        for column in quasi:
            if levels[column.name] > 0:
                finer = {**levels, column.name: levels[column.name] - 1}
                if search.result(finer).satisfied:
                    levels, changed = finer, True
    result = search.result(levels)
    for column in quasi:
        _explain(column, levels, search)
    return result


def _cost(result: KAnonymityResult) -> tuple[int, int, int]:
    # Fewest rows in small groups; then the highest k; then the most groups (the least lost).
    return result.rows_below_k, -(result.k_achieved or 0), -result.groups


def _explain(column: _Column, levels: dict[str, int], search: _Search) -> None:
    level = levels[column.name]
    column.action, column.params = column.ladder[level]
    chosen = _describe(column.ladder[level])
    if level == 0:
        column.why.append(f"{chosen}: k = {search.k} is reached on the sample without generalizing it")
        return
    finer = search.result({**levels, column.name: level - 1})
    column.why.append(f"{chosen}: {_describe(column.ladder[level - 1])} gives k = {finer.k_achieved} on the "
                      f"sample ({finer.rows_below_k} rows in groups below {search.k})")


def _describe(level: Level) -> str:
    action, params = level
    if not params:
        return {Action.KEEP: "kept as is", Action.DROP: "dropped"}[action]
    ((key, value),) = params.items()
    return {"bucket": f"buckets of {value}", "to": f"to the {value}",
            "keep_chars": f"the first {value} characters" if value > 1 else "the first character"}[key]


# -- writing --------------------------------------------------------------------------------------

def _contract_name(sample: Path) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", sample.stem.lower()).strip("-")
    return name or "dataset"


def _scalar(value: Any) -> str:
    """A YAML scalar that reads back as `value`: plain when safe, else double-quoted (`"yes"`)."""
    if isinstance(value, str):
        plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", value) and yaml.safe_load(value) == value
        return value if plain else json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _render(columns: list[_Column], sample: Path, rows: int, k: int, name: str) -> str:
    lines = [
        f"# Data contract proposed by `secure-mlops contract init` from {sample.name} ({rows} rows).",
        "# A proposal, not a decision: review every column and its comment before a run",
        "# (docs/contracts.md). Generalizations reach k on this sample; every run checks k again on its",
        "# data, and `secure-mlops contract check CONTRACT --data FILE` does so before one.",
        f"name: {_scalar(name)}",
        'version: "0.1.0"',
        "k_anonymity:",
        f"  k: {k}",
        "# What a model trained on this data is for: the model card quotes it (docs/contracts.md).",
        "# model_card:",
        "#   purpose: ...",
        "#   intended_use: ...",
        "#   out_of_scope_use: ...",
        "columns:",
    ]
    for column in columns:
        lines += [f"  # {why}" for why in column.why]
        lines += [f"  - name: {_scalar(column.name)}", f"    type: {column.type.value}",
                  f"    classification: {column.classification.value}", f"    action: {column.action.value}"]
        if column.params:
            inner = ", ".join(f"{key}: {_scalar(value)}" for key, value in column.params.items())
            lines.append(f"    params: {{{inner}}}")
        if column.allowed_values is not None:
            lines.append(f"    allowed_values: [{', '.join(_scalar(v) for v in column.allowed_values)}]")
    return "\n".join(lines) + "\n"

