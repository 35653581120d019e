"""Check a data contract before a run: every rule of the model, then, given data, what minimization
would meet (missing columns, unknown ones, values that do not cast, the k-anonymity gate).

Nothing is written and no key is needed: a pseudonymized quasi-identifier is counted as written,
since a keyed hash maps distinct values to distinct pseudonyms and so leaves the group sizes
unchanged. Like the minimization report, every finding names files, columns, rows and counts,
never a value from the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from secure_mlops.errors import InputError, PrivacyError, SecureMlopsError
from secure_mlops.privacy.contract import Action, Column, ColumnParams, ColumnType, DataContract
from secure_mlops.privacy.kanonymity import GroupCounter, KAnonymityResult
from secure_mlops.privacy.loader import contract_problems, parse_contract
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.privacy.sources import Source, open_source
from secure_mlops.privacy.transforms import ColumnPlan, plan_columns

BATCH_ROWS = 65_536


@dataclass(frozen=True)
class KAnonymityCheck:
    """The gate's result on the data, and what leaving out each quasi-identifier would give: it
    names the columns that split the smallest groups, never their values."""

    result: KAnonymityResult
    without: dict[str, int | None]  # quasi-identifier -> k achieved without it

    def summary(self, data_name: str) -> str:
        r = self.result
        head = f"k-anonymity on {data_name} after minimization: k = {r.k_achieved} (required {r.k_required})"
        if r.satisfied:
            return f"{head}, {r.groups} groups"
        detail = (f"{r.groups_below_k} of {r.groups} groups ({r.rows_below_k} rows) have fewer than "
                  f"{r.k_required} rows; quasi-identifiers: {', '.join(r.quasi_identifiers) or 'none'}")
        if self.without:
            detail += "; " + ", ".join(f"without {name}: k = {k}" for name, k in self.without.items())
        return f"{head}: {detail} (generalize further or drop one: docs/contracts.md, reaching k)"


@dataclass
class ContractCheck:
    """What `check_contract` found. `problems` fail the check; `notes` say what will happen."""

    contract: DataContract | None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    k_anonymity: KAnonymityCheck | None = None
    data_name: str | None = None

    def failure(self) -> SecureMlopsError | None:
        """The error to exit with: InputError for a wrong contract or data, PrivacyError when only
        the k-anonymity gate fails, None when all is well."""
        if self.problems:
            count = len(self.problems)
            return InputError(f"the contract check found {count} problem{'s' if count > 1 else ''}")
        if self.k_anonymity is not None and not self.k_anonymity.result.satisfied:
            r = self.k_anonymity.result
            return PrivacyError(f"k-anonymity not reached on {self.data_name}: k = {r.k_achieved}, "
                                f"required {r.k_required}")
        return None


def check_contract(path: Path, data: Path | None = None, *, batch_rows: int = BATCH_ROWS) -> ContractCheck:
    """Load and validate the contract at `path` (every problem, not only the first); with `data`,
    also check it against that CSV or Parquet file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ContractCheck(None, [f"{path}: cannot read the contract ({type(exc).__name__})"])
    problems = contract_problems(text, source=path.name)
    if problems:
        return ContractCheck(None, problems)
    contract = parse_contract(text, source=path.name)
    if data is None:
        return ContractCheck(contract)
    return check_data(contract, data, batch_rows=batch_rows)


def check_data(contract: DataContract, data: Path, *, batch_rows: int = BATCH_ROWS) -> ContractCheck:
    """What minimizing `data` under `contract` would meet, short of writing anything."""
    check = ContractCheck(contract, data_name=data.name)
    try:
        source = open_source(data)
    except InputError as exc:
        check.problems.append(str(exc))
        return check
    names = {c.name for c in contract.columns}
    missing = [c.name for c in contract.columns if c.name not in source.column_names]
    for name in missing:
        check.problems.append(f"{data.name}: column {name!r} of the contract is missing from the data "
                              "(remove it from the contract if the source no longer has it)")
    for name in source.column_names:
        if name not in names:
            check.notes.append(f"{data.name}: column {name!r} is not in the contract: it will be dropped "
                               "(add it to the contract to keep it)")
    if missing:
        return check
    read = [c for c in contract.columns if c.action is not Action.DROP]  # what minimization reads
    try:
        check.k_anonymity = _k_anonymity(contract, source, read, batch_rows)
    except InputError:
        # One pass stops at the first value that does not cast: one pass per column names them all.
        check.problems += _type_problems(source, read, batch_rows)
        return check
    if check.k_anonymity is None:
        check.problems.append(f"{data.name}: no data rows")
    return check


def _k_anonymity(contract: DataContract, source: Source, read: list[Column], batch_rows: int,
                 ) -> KAnonymityCheck | None:
    """The gate on the minimized quasi-identifiers, and with each left out; None without rows."""
    quasi = contract.quasi_identifiers()
    plans = counting_plans([c for c in contract.columns if c.name in quasi])
    counters = {None: GroupCounter(quasi)}
    if len(quasi) > 1:
        counters |= {name: GroupCounter([q for q in quasi if q != name]) for name in quasi}
    rows = 0
    with closing(source.batches({c.name: c.type for c in read}, batch_rows)) as batches:
        for batch in batches:
            rows += batch.num_rows
            written = apply_plans(plans, batch) if plans else batch  # no quasi-identifier: rows only
            for counter in counters.values():
                counter.add(written)
    if rows == 0:
        return None
    k = contract.k_anonymity.k
    without = {name: counter.result(k).k_achieved for name, counter in counters.items() if name is not None}
    return KAnonymityCheck(counters[None].result(k), without)


def counting_plans(columns: Sequence[Column]) -> list[ColumnPlan]:
    """Plans that write each column as minimization does, except that pseudonymized columns are
    kept: distinct values stay distinct, so group sizes are those of the real output."""
    as_counted = [c.model_copy(update={"action": Action.KEEP, "params": ColumnParams()})
                  if c.action is Action.PSEUDONYMIZE else c for c in columns]
    return plan_columns(as_counted, Pseudonymizer(_NoKey()))


def apply_plans(plans: Iterable[ColumnPlan], batch: pa.RecordBatch) -> pa.RecordBatch:
    arrays = {p.name: p.apply(batch.column(p.name)) for p in plans}
    return pa.RecordBatch.from_arrays(list(arrays.values()), names=list(arrays))


def _type_problems(source: Source, read: list[Column], batch_rows: int) -> list[str]:
    problems = []
    for column in read:
        types: dict[str, ColumnType] = {column.name: column.type}
        try:
            with closing(source.batches(types, batch_rows)) as batches:
                for _ in batches:
                    pass
        except InputError as exc:
            problems.append(f"{exc} (the contract says {column.type.value})")
    # A failure no single column reproduces (a malformed row) is reported as the reader saw it.
    if not problems:
        try:
            with closing(source.batches({c.name: c.type for c in read}, batch_rows)) as batches:
                for _ in batches:
                    pass
        except InputError as exc:
            problems.append(str(exc))
    return problems


class _NoKey:
    """No pseudonym is computed by a check (pseudonymized columns are counted as kept)."""

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        raise AssertionError("a contract check computes no pseudonym")
