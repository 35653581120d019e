"""Run the suite on a table and turn Great Expectations' results into checks.

This is the only place that reads Great Expectations results, so the only place a value from
the data could slip into ours. It takes no text from them: only success flags and integer
counts, joined with words from the suite's own `meta`. The result format is BASIC with no
sample (`partial_unexpected_count: 0`): SUMMARY and above, and BASIC's default 20 samples,
copy failing values, PII included, into the results. Great Expectations' own logging is
silenced for the run: it logs the text of exceptions raised while computing metrics, and a
pandas exception can quote the value it failed on.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from secure_mlops.validation.frame import to_frame
from secure_mlops.validation.result import Check

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.core import ExpectationValidationResult

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
# Column names from the file (not the contract) are quoted, cut to this length.
NAME_CHARS = 40
# Names listed per kind of schema problem; more are counted.
LISTED_NAMES = 3


def run_suite(table: pa.Table, suite: ExpectationSuite) -> list[Check]:
    """One check per expectation, in suite order. Checks of a column missing from `table`, or
    in it twice, are left out: the schema check names the column, and "not evaluated" would
    only repeat it."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    with _quiet_and_unfingerprinted():
        context = gx.get_context(mode="ephemeral")
        # Progress bars would write to stderr on every run, in the pipeline's logs.
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch = (context.data_sources.add_pandas("secure_mlops").add_dataframe_asset("dataset")
                 .add_batch_definition_whole_dataframe("whole")
                 .get_batch(batch_parameters={"dataframe": to_frame(table)}))
        results = batch.validate(suite, result_format=RESULT_FORMAT)
    by_key = {_key(r.expectation_config.meta): r for r in results.results}
    occurrences = Counter(table.column_names)
    checks = []
    for expectation in suite.expectations:
        meta = expectation.meta or {}
        if meta.get("column") is not None and occurrences[meta["column"]] != 1:
            continue
        checks.append(_check(table, meta, by_key[_key(meta)]))
    return checks


@contextmanager
def _quiet_and_unfingerprinted() -> Iterator[None]:
    """Silence Great Expectations' loggers, and skip its batch "fingerprint", for one run.

    The fingerprint is an MD5 over the whole DataFrame, put in batch markers whenever the frame
    is under HASH_THRESHOLD bytes (1 GB), each time the batch is loaded (twice per run). We
    never read it, and it took three quarters of the run time (1.25 of 1.7 s per million
    rows). The threshold is a module constant with no setting, so it is lowered for the run;
    if a release renames it, the fingerprint is simply computed again. Both are process-wide
    and restored on exit.
    """
    from great_expectations.execution_engine import pandas_execution_engine as engine

    gx_logger = logging.getLogger("great_expectations")
    level = gx_logger.level
    threshold = getattr(engine, "HASH_THRESHOLD", None)
    gx_logger.setLevel(logging.CRITICAL)
    if threshold is not None:
        engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        gx_logger.setLevel(level)
        if threshold is not None:
            engine.HASH_THRESHOLD = threshold


def _key(meta: dict[str, Any] | None) -> tuple[str, str | None]:
    meta = meta or {}
    return meta.get("check", ""), meta.get("column")


def _check(table: pa.Table, meta: dict[str, Any], result: ExpectationValidationResult) -> Check:
    name, column, breaks = meta["check"], meta.get("column"), meta.get("breaks", "")
    success = bool(result.success)
    if name == "schema":
        detail = _schema_detail(result.expectation_config.kwargs["column_list"],
                                table.column_names)
    elif name == "row_count":
        detail = f"{table.num_rows} rows" + ("" if success else f", expected {breaks}")
    elif name == "type":
        detail = _type_detail(table, column, breaks, success)
    else:
        counts = result.result or {}
        unexpected, rows = counts.get("unexpected_count"), counts.get("element_count")
        if isinstance(unexpected, Integral) and isinstance(rows, Integral):
            detail = f"{int(unexpected)} of {int(rows)} rows {breaks}"
        else:
            # The expectation raised (e.g. a range on text): its message may quote data.
            success, detail = False, "not evaluated: the column's type does not fit"
    return Check(name=name, column=column, success=success, detail=detail)


def _type_detail(table: pa.Table, column: str, expected: str, success: bool) -> str:
    # Arrow's type names on both sides: pandas dtypes are an artefact of the conversion.
    written = str(table.schema.field(column).type)
    return written if success else f"{written}, expected {expected}"


def _schema_detail(expected: list[str], actual: list[str]) -> str:
    wanted, seen = set(expected), Counter(actual)
    problems = []
    unexpected = [n for n in seen if n not in wanted]
    if unexpected:
        problems.append(_names("unexpected column", unexpected))
    missing = [n for n in expected if n not in seen]
    if missing:
        problems.append(_names("missing column", missing))
    duplicates = [n for n, count in seen.items() if count > 1]
    if duplicates:
        problems.append(_names("duplicate column", duplicates))
    if not problems and actual != expected:
        problems.append("columns not in contract order")
    return ", ".join(problems) or f"{len(expected)} columns as in the contract"


def _names(kind: str, names: list[str]) -> str:
    # repr() escapes control characters: a hostile column name cannot break the line.
    quoted = [repr(n if len(n) <= NAME_CHARS else n[:NAME_CHARS] + "...")
              for n in names[:LISTED_NAMES]]
    more = f" and {len(names) - LISTED_NAMES} more" if len(names) > LISTED_NAMES else ""
    return f"{kind}{'s' if len(names) > 1 else ''} {', '.join(quoted)}{more}"
