"""Column transforms, vectorized over pyarrow arrays. Nulls stay null in every transform."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import Action, Column, ColumnType, DateGranularity
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.privacy.sources import ARROW_TYPES
from secure_mlops.privacy.tokenize import Tokenizer

MASK_CHAR = "*"

Transform = Callable[[pa.Array], pa.Array]


@dataclass(frozen=True)
class ColumnPlan:
    """What one output column is made of."""

    name: str
    action: Action
    output_type: pa.DataType
    apply: Transform


def plan_columns(columns: list[Column], pseudonymizer: Pseudonymizer, tokenizer: Tokenizer | None = None) -> list[ColumnPlan]:
    """Plans of the output columns, in contract order (dropped columns have none).

    InputError when a column is tokenized and no `tokenizer` is given: tokens need the token service."""
    tokenized = [c.name for c in columns if c.action is Action.TOKENIZE]
    if tokenized and tokenizer is None:
        raise InputError(f"column{'s' if len(tokenized) > 1 else ''} {', '.join(tokenized)} "
                         "must be tokenized, and no token service was given")
    return [_plan(c, pseudonymizer, tokenizer) for c in columns if c.action is not Action.DROP]


def _plan(column: Column, pseudonymizer: Pseudonymizer, tokenizer: Tokenizer | None) -> ColumnPlan:
    params = column.params
    output_type = ARROW_TYPES[column.type]
    apply: Transform
    # The contract guarantees the parameter each generalization needs (checked on load).
    if column.action is Action.KEEP:
        apply = _identity
    elif column.action is Action.MASK:
        apply = partial(mask, keep_last=params.keep_last or 0)
    elif column.action is Action.PSEUDONYMIZE:
        apply, output_type = pseudonymizer.pseudonymize, pa.string()
    elif column.action is Action.TOKENIZE and tokenizer is not None:
        apply, output_type = tokenizer.for_column(column.name), pa.string()
    elif column.type is ColumnType.DATE and params.to is not None:
        apply = partial(truncate_date, to=params.to)
    elif column.type is ColumnType.STRING and params.keep_chars is not None:
        apply = partial(truncate_string, keep_chars=params.keep_chars)
    elif params.bucket is not None:
        apply = partial(bucket_lower_bound, width=params.bucket)
    else:
        raise AssertionError(f"column {column.name!r}: {column.action.value} without its parameter")
    return ColumnPlan(column.name, column.action, output_type, apply)


def _identity(array: pa.Array) -> pa.Array:
    return array


def bucket_lower_bound(array: pa.Array, width: int | float) -> pa.Array:
    """Each number replaced by the lower bound of its bucket: 47 with width 10 -> 40, -3 -> -10."""
    if pa.types.is_integer(array.type):
        # pyarrow's modulo takes the divisor's sign (like Python), so this floors negatives too,
        # in exact integer arithmetic.
        return pc.subtract(array, pc.modulo(array, width))
    # Work in whole multiples of the width's last decimal: with width 0.1, 0.3 / 0.1 is
    # 2.9999999999999996 in binary floating point (the wrong bucket) but 0.3 * 10 / 1 is 3.0,
    # and dividing the bound by a power of ten gives 1.9 rather than 1.9000000000000001.
    exponent = Decimal(str(width)).as_tuple().exponent
    scale = 10 ** (-exponent if isinstance(exponent, int) and exponent < 0 else 0)
    steps = round(width * scale)
    index = pc.floor(pc.divide(pc.multiply(array, scale), steps))
    return pc.divide(pc.multiply(index, steps), scale)


def truncate_date(array: pa.Array, to: DateGranularity) -> pa.Array:
    """Dates moved to the first day of their month, year or decade (1987-05-06 -> 1980-01-01)."""
    unit, multiple = {DateGranularity.MONTH: ("month", 1), DateGranularity.YEAR: ("year", 1),
                      DateGranularity.DECADE: ("year", 10)}[to]
    # Periods count from 1970-01-01, so multiples of 10 years fall on decades.
    return pc.floor_temporal(array, multiple=multiple, unit=unit)


def truncate_string(array: pa.Array, keep_chars: int) -> pa.Array:
    """The first `keep_chars` characters, after trimming surrounding whitespace (postcode areas)."""
    return pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(array), 0, keep_chars)


def mask(array: pa.Array, keep_last: int) -> pa.Array:
    """Every character but the last `keep_last` becomes `*`; the length is kept.

    A value no longer than `keep_last` is masked whole: showing it all would not be masking.
    """
    length = pc.utf8_length(array)
    if keep_last == 0:
        return pc.binary_repeat(MASK_CHAR, length)
    shows_tail = pc.greater(length, keep_last)
    hidden = pc.if_else(shows_tail, pc.subtract(length, keep_last), length)
    tail = pc.if_else(shows_tail, pc.utf8_slice_codeunits(array, -keep_last), "")
    return pc.binary_join_element_wise(pc.binary_repeat(MASK_CHAR, hidden), tail, "")
