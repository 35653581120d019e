"""The Great Expectations suite derived from a data contract, for the dataset as minimized.

The dataset checked is minimization's output: the contract's kept columns, in contract order,
with each column's values as written (pseudonyms, masks, generalized values). From the contract:

| check          | expectation                                 | when                            |
|----------------|---------------------------------------------|---------------------------------|
| schema         | columns match the ordered list              | always                          |
| row_count      | row count between `min_rows` and `max_rows` | always                          |
| type           | pandas dtype of the contract's type         | every column                    |
| not_null       | no nulls                                    | `nullable: false`               |
| range          | values between `min` and `max`              | `min` or `max` given            |
| finite         | no NaN, +inf or -inf                        | float columns                   |
| allowed_values | values in the set                           | `allowed_values` given          |
| pattern        | 32 lowercase hex characters                 | pseudonymized                   |
| pattern        | `tok1_v<N>_<base64url>`                     | tokenized                       |
| pattern        | `*` but for the last `keep_last` characters | masked                          |
| length         | at most `keep_chars` characters             | generalized strings             |

Each expectation's `meta` names its check and column, and says in words what a failing row
breaks; `run.py` turns results into checks with counts from that, and nothing else.
Great Expectations is imported inside functions only: its import takes seconds.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import Action, Column, ColumnType, DataContract, Scalar
from secure_mlops.privacy.sources import ARROW_TYPES
from secure_mlops.privacy.tokenize import TOKEN_PATTERN
from secure_mlops.validation.frame import PANDAS_DTYPES
from secure_mlops.validation.profile import contract_text

if TYPE_CHECKING:
    from great_expectations import ExpectationSuite
    from great_expectations.expectations import Expectation

# \Z, not $: Python's $ also matches before a trailing newline.
PSEUDONYM_PATTERN = r"^[0-9a-f]{32}\Z"


def build_suite(contract: DataContract, *, min_rows: int = 1,
                max_rows: int | None = None) -> ExpectationSuite:
    """The contract's expectations for its minimized dataset, schema and row count first."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    if min_rows < 0:
        raise InputError(f"min_rows must be at least 0, not {min_rows}")
    if max_rows is not None and max_rows < min_rows:
        raise InputError(f"max_rows ({max_rows}) is below min_rows ({min_rows})")
    kept = [c for c in contract.columns if c.action is not Action.DROP]
    expected = f"at least {min_rows}" if max_rows is None else f"{min_rows} to {max_rows}"
    expectations: list[Expectation] = [
        gxe.ExpectTableColumnsToMatchOrderedList(column_list=[c.name for c in kept],
                                                 meta=_meta("schema")),
        gxe.ExpectTableRowCountToBeBetween(min_value=min_rows, max_value=max_rows,
                                           meta=_meta("row_count", breaks=expected)),
    ]
    for column in kept:
        expectations += _column_expectations(column)
    # Given at construction: add_expectation() would look for an active data context to save to.
    return gx.ExpectationSuite(name=f"{contract.name}-{contract.version}",
                               expectations=expectations)


def _column_expectations(column: Column) -> list[Expectation]:
    import great_expectations.expectations as gxe

    name = column.name
    # A pseudonym or token is text whatever the identifier's type was (see privacy/transforms.py).
    written = ColumnType.STRING if column.action in (Action.PSEUDONYMIZE, Action.TOKENIZE) else column.type
    found: list[Expectation] = [gxe.ExpectColumnValuesToBeInTypeList(
        column=name, type_list=PANDAS_DTYPES[written],
        meta=_meta("type", name, breaks=str(ARROW_TYPES[written])))]
    if not column.nullable:
        found.append(gxe.ExpectColumnValuesToNotBeNull(
            column=name, meta=_meta("not_null", name, breaks="null")))
    if column.min is not None or column.max is not None:
        found.append(gxe.ExpectColumnValuesToBeBetween(
            column=name, min_value=_ge_value(column.min), max_value=_ge_value(column.max),
            meta=_meta("range", name, breaks=_outside(column.min, column.max))))
    if written is ColumnType.FLOAT:
        # Whatever the contract's bounds: an infinity passes a one-sided range, and NaN (seen as
        # +inf here, frame.py) fails no comparison. Either poisons training and the profile.
        found.append(gxe.ExpectColumnValuesToBeBetween(
            column=name, min_value=-sys.float_info.max, max_value=sys.float_info.max,
            meta=_meta("finite", name, breaks="not a finite number (NaN or infinite)")))
    if column.allowed_values is not None:
        count = len(column.allowed_values)
        found.append(gxe.ExpectColumnValuesToBeInSet(
            column=name, value_set=[_ge_value(v) for v in column.allowed_values],
            meta=_meta("allowed_values", name,
                       breaks=f"outside the {count} allowed value{'s' if count > 1 else ''}")))
    if column.action is Action.PSEUDONYMIZE:
        found.append(gxe.ExpectColumnValuesToMatchRegex(
            column=name, regex=PSEUDONYM_PATTERN,
            meta=_meta("pattern", name, breaks="not a pseudonym (32 lowercase hex characters)")))
    elif column.action is Action.TOKENIZE:
        found.append(gxe.ExpectColumnValuesToMatchRegex(
            column=name, regex=TOKEN_PATTERN,
            meta=_meta("pattern", name, breaks="not a token (tok1_v<N>_<base64url>)")))
    elif column.action is Action.MASK:
        shown = column.params.keep_last or 0
        found.append(gxe.ExpectColumnValuesToMatchRegex(
            column=name, regex=_mask_pattern(shown),
            meta=_meta("pattern", name, breaks=f"not masked (at most the last {shown} shown)")))
    elif column.action is Action.GENERALIZE and column.params.keep_chars is not None:
        keep = column.params.keep_chars
        found.append(gxe.ExpectColumnValueLengthsToBeBetween(
            column=name, max_value=keep,
            meta=_meta("length", name, breaks=f"longer than {keep} characters")))
    return found


def _mask_pattern(keep_last: int) -> str:
    # What privacy.transforms.mask writes: stars then exactly `keep_last` characters, or, for a
    # value no longer than `keep_last`, stars only. (?s): a tail may hold any character.
    if keep_last == 0:
        return r"(?s)^\**\Z"
    return rf"(?s)^(?:\*+.{{{keep_last}}}|\**)\Z"


def _ge_value(value: Scalar | None) -> Any:
    # Dates arrive as datetime64 (frame.py), which compares with datetimes, not dates.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _outside(low: Scalar | None, high: Scalar | None) -> str:
    if low is not None and high is not None:
        return f"outside [{contract_text(low)}, {contract_text(high)}]"
    if low is not None:
        return f"below {contract_text(low)}"
    return f"above {contract_text(high)}" if high is not None else ""


def _meta(check: str, column: str | None = None, *, breaks: str = "") -> dict[str, Any]:
    return {"check": check, "column": column, "breaks": breaks}
