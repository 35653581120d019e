"""Read CSV or Parquet as a stream of record batches, typed as the contract says.

CSV fields are read as text and cast to the contract's types batch by batch, the same way as
Parquet columns: one conversion path, and a failed cast can be narrowed to the exact row. Only an
empty field is null (`null_values=[""]`), so a postcode "NA" stays a string and "NA" in an
integer column is an error rather than a silent null.

pyarrow's error messages quote the offending field or row, so they are never passed on: every
error here is rebuilt from row numbers, column names and types, and raised outside the `except`
block so the pyarrow error is not even chained to it (`from None` would still keep it in
`__context__`, where error trackers find it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from secure_mlops.errors import InputError
from secure_mlops.privacy.contract import ColumnType

InputFormat = Literal["csv", "parquet"]

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.DATE: pa.date32(),
    ColumnType.BOOLEAN: pa.bool_(),
}

_FORMATS: dict[str, InputFormat] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class Source:
    """An input file whose header has been read; `batches` streams the requested columns."""

    path: Path
    format: InputFormat
    column_names: list[str]

    def batches(self, types: Mapping[str, ColumnType], batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Batches of exactly `batch_rows` rows (the last may be shorter), cast to `types`."""
        raw = (_csv_batches(self, types) if self.format == "csv"
               else _parquet_batches(self, types, batch_rows))
        return _rebatch(_conformed(self.path.name, raw, types), batch_rows)


def open_source(path: Path) -> Source:
    """Identify the format by suffix and read the column names; nothing else is read yet."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path.name}: unsupported input format (expected {', '.join(_FORMATS)})")
    if not path.is_file():
        raise InputError(f"{path}: input file not found")
    names = _csv_header(path) if fmt == "csv" else _parquet_header(path)
    repeated = sorted(name for name, count in Counter(names).items() if count > 1)
    if repeated:
        raise InputError(f"{path.name}: column {repeated[0]!r} appears more than once in the input")
    return Source(path, fmt, names)


def _csv_header(path: Path) -> list[str]:
    # Opening the streaming reader parses the header and the first block; bad rows there are
    # skipped here and reported precisely when the data is read.
    try:
        with pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip",
                                             newlines_in_values=True),
        ) as reader:
            return reader.schema.names
    except (pa.ArrowInvalid, OSError):
        pass
    raise InputError(f"{path.name}: cannot read a CSV header")


def _parquet_header(path: Path) -> list[str]:
    try:
        with pq.ParquetFile(path) as parquet:
            return parquet.schema_arrow.names
    except (pa.ArrowException, OSError):
        pass
    raise InputError(f"{path.name}: not a readable Parquet file")


@dataclass
class _RawBatch:
    batch: pa.RecordBatch
    first_row: int  # 1-based data row of the batch's first row, header not counted


def _csv_batches(source: Source, types: Mapping[str, ColumnType]) -> Iterator[_RawBatch]:
    invalid: list[pacsv.InvalidRow] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        invalid.append(row)
        return "error"

    rows = 0
    try:
        # use_threads=False: pyarrow then knows the row number of a malformed row (and the
        # single-threaded reader was as fast as the threaded one on 1M rows). Quoted fields may
        # span lines (postal addresses do).
        reader = pacsv.open_csv(
            source.path,
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row,
                                             newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(types),
                column_types={name: pa.string() for name in types},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
        with reader:
            for batch in reader:
                yield _RawBatch(batch, rows + 1)
                rows += batch.num_rows
        return
    except pa.ArrowInvalid:
        pass
    raise _csv_error(source, invalid, rows)


def _csv_error(source: Source, invalid: list[pacsv.InvalidRow], rows_read: int) -> InputError:
    name = source.path.name
    if invalid:
        row = invalid[0]
        # InvalidRow.number counts rows from the header (row 1); we count data rows.
        where = f"row {row.number - 1}" if row.number is not None else f"after row {rows_read}"
        return InputError(f"{name}: {where}: expected {row.expected_columns} fields, "
                          f"found {row.actual_columns}")
    # Every column is read as text, so the remaining conversion failure is bad UTF-8.
    return InputError(f"{name}: after row {rows_read}: malformed CSV or text that is not UTF-8")


def _parquet_batches(source: Source, types: Mapping[str, ColumnType], batch_rows: int,
                     ) -> Iterator[_RawBatch]:
    rows = 0
    try:
        with pq.ParquetFile(source.path) as parquet:
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(types)):
                yield _RawBatch(batch, rows + 1)
                rows += batch.num_rows
        return
    except (pa.ArrowException, OSError):
        pass
    raise InputError(f"{source.path.name}: after row {rows}: unreadable Parquet data")


def _conformed(name: str, raw: Iterator[_RawBatch], types: Mapping[str, ColumnType],
               ) -> Iterator[pa.RecordBatch]:
    schema = pa.schema([(column, ARROW_TYPES[ctype]) for column, ctype in types.items()])
    for item in raw:
        batch = item.batch.select(list(types))
        arrays = [_cast(name, batch.column(i), field, ctype, item.first_row)
                  for i, (field, ctype) in enumerate(zip(schema, types.values(), strict=True))]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _cast(name: str, array: pa.Array, field: pa.Field, ctype: ColumnType, first_row: int,
          ) -> pa.Array:
    if array.type == field.type:
        return array
    try:
        return pc.cast(array, field.type)
    except pa.ArrowNotImplementedError:
        castable = False
    except pa.ArrowInvalid:
        castable = True
    if not castable:
        raise InputError(f"{name}: column {field.name!r}: input type {array.type} cannot be read "
                         f"as {ctype.value}")
    row = first_row + _first_bad_index(array, field.type)
    raise InputError(f"{name}: row {row}: column {field.name!r}: value is not a valid "
                     f"{ctype.value}")


def _first_bad_index(array: pa.Array, target: pa.DataType) -> int:
    """Index of the first value that does not cast, by bisection (only on the error path)."""
    lo, hi = 0, len(array)  # array[lo:hi] holds the first bad value
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            pc.cast(array.slice(lo, mid - lo), target)
        except pa.ArrowInvalid:
            hi = mid
        else:
            lo = mid
    return lo


def _rebatch(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Cut and join batches to exactly `rows` rows: row groups then do not follow CSV blocks."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == rows:
                yield pa.concat_batches(pending)
                pending, count = [], 0
    if count:
        yield pa.concat_batches(pending)
