"""The one conversion of the dataset to pandas, for Great Expectations' pandas engine.

Each contract type, as minimization writes it, becomes one known pandas dtype, which the
suite's type expectations name; any other Arrow type (a timestamp, int32, large_string...)
stays an Arrow-backed dtype that no contract type names, so its type check fails rather than
the column passing as the nearest pandas type. Nullable dtypes keep an integer column with
nulls an integer column (plain NumPy would make it float64).

NaN in a float column becomes +inf: pandas (and so Great Expectations) takes NaN for a missing
value and skips it in every check, while to the contract it is a value, and not a number; as +inf
the range and finite checks count it. A null stays missing.

Dates become datetime64[ns]: Great Expectations compares that dtype vectorized but walks any
other one value by value (seconds per million rows). Dates outside its span (1677 to 2262)
cannot be nanoseconds and fall back to datetime64[ms]: slow, still correct.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from secure_mlops.privacy.contract import ColumnType

if TYPE_CHECKING:
    import pandas as pd

# Contract type -> the pandas dtype names (as Great Expectations' type-list check spells them)
# that `to_frame` gives a column written with that type.
PANDAS_DTYPES: dict[ColumnType, list[str]] = {
    ColumnType.STRING: ["StringDtype"],
    ColumnType.INTEGER: ["Int64Dtype"],
    ColumnType.FLOAT: ["float64"],
    ColumnType.DATE: ["datetime64[ns]", "datetime64[ms]"],
    ColumnType.BOOLEAN: ["BooleanDtype"],
}


def to_frame(table: pa.Table) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame({i: _series(column) for i, column in enumerate(table.columns)},
                         copy=False)
    frame.columns = table.column_names  # set afterwards: duplicate names survive to the schema check
    return frame


def _series(column: pa.ChunkedArray) -> pd.Series:
    import pandas as pd

    kind = column.type
    if pa.types.is_date32(kind):
        try:
            return column.cast(pa.timestamp("ns")).to_pandas()
        except pa.ArrowInvalid:
            return column.to_pandas(date_as_object=False)
    if pa.types.is_float64(kind):
        column = pc.if_else(pc.is_nan(column), math.inf, column)
    known = {pa.string(): pd.StringDtype(), pa.int64(): pd.Int64Dtype(),
             pa.bool_(): pd.BooleanDtype(), pa.float64(): None}
    if kind in known:
        return column.to_pandas(types_mapper=known.get)
    return column.to_pandas(types_mapper=pd.ArrowDtype)
