"""Read CSV or Parquet as a stream of record batches, typed as the contract says.

CSV fields are read as bytes, checked as UTF-8 text and cast to the contract's types batch by
batch, the same way as Parquet columns: one conversion path, and a failed check or cast can be
narrowed to the exact row. Only an empty field is null (`null_values=[""]`), so a postcode "NA"
stays a string and "NA" in an integer column is an error rather than a silent null.

Every reader is closed as soon as the stream ends, fails or is dropped: one left open until the
interpreter exits (held by a traceback) could abort the process as it was torn down.

pyarrow's error messages quote the offending field or row, so they are never passed on: every
error here is rebuilt from row numbers, column names and types, and raised outside the `except`
block so the pyarrow error is not even chained to it (`from None` would still keep it in
`__context__`, where error trackers find it).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

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

# pyarrow parses a CSV file block by block and cannot read a row that spans two blocks: the block
# size is the longest row (or quoted field) accepted. A block is read, converted and released
# before the next one.
CSV_BLOCK_BYTES = 16 * 1024 * 1024
# The numbers in pyarrow's message about a row with the wrong number of fields (the message
# goes on to quote the row: only these are taken from it).
_FIELD_COUNT = re.compile(r"(?:Row #([0-9]+): )?Expected ([0-9]+) columns, got ([0-9]+)")


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
        # closing(): the reader is closed at once when a later stage fails (or the caller stops).
        with closing(raw):
            yield from _rebatch(_conformed(self.path.name, raw, types), batch_rows)


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
    """The first record that is not a blank line, as pyarrow will read it.

    Parsed here with the csv module, line by line: pyarrow parses the whole first block when it
    opens a file, so a bad row there would pass for a bad header (and its handler for invalid
    rows fails on bytes that are not UTF-8). Lines are decoded one by one (a newline byte is never
    inside a UTF-8 sequence): a bad byte further down is left to the data, which names its row.
    """
    try:
        with path.open("rb") as raw:
            for record in csv.reader(_text_lines(raw)):
                if record:
                    return record
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    raise InputError(f"{path.name}: cannot read a CSV header")


def _text_lines(raw: BinaryIO) -> Iterator[str]:
    encoding = "utf-8-sig"  # a byte-order mark before the header is not part of its first name
    while line := raw.readline(CSV_BLOCK_BYTES):
        if len(line) == CSV_BLOCK_BYTES and not line.endswith(b"\n"):
            raise csv.Error("line longer than a block")
        yield line.decode(encoding)
        encoding = "utf-8"


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
    rows = 0
    try:
        # use_threads=False: pyarrow then knows the row number of a malformed row (and the
        # single-threaded reader was as fast as the threaded one on 1M rows). Quoted fields may
        # span lines (postal addresses do).
        reader = pacsv.open_csv(
            source.path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(types),
                column_types={name: pa.binary() for name in types},
                null_values=[""],
                strings_can_be_null=True,
            ),
        )
        with reader:
            for batch in reader:
                yield _RawBatch(batch, rows + 1)
                rows += batch.num_rows
        return
    except pa.ArrowInvalid as exc:
        problem = str(exc)
    raise _csv_error(source.path.name, problem, rows)


def _csv_error(name: str, problem: str, rows_read: int) -> InputError:
    """Our message for pyarrow's `problem`, from its numbers only."""
    where = f"after row {rows_read}"
    counts = _FIELD_COUNT.search(problem)
    if counts:
        row, expected, found = counts.groups()
        if row is not None:
            where = f"row {int(row) - 1}"  # pyarrow counts the header as row 1; we count data rows
        return InputError(f"{name}: {where}: expected {expected} fields, found {found}")
    if "straddl" in problem:  # "straddling object straddles two block boundaries"
        return InputError(f"{name}: {where}: a row longer than {CSV_BLOCK_BYTES // 2**20} MiB, or a quote "
                          "that is never closed")
    return InputError(f"{name}: {where}: malformed CSV")


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
    # CSV fields arrive as bytes: they must be UTF-8 text before they are anything else.
    steps = [(pa.string(), "text that is not UTF-8")] if pa.types.is_binary(array.type) else []
    steps.append((field.type, f"value is not a valid {ctype.value}"))
    for target, problem in steps:
        if array.type == target:
            continue
        try:
            array = pc.cast(array, target)
            continue
        except pa.ArrowNotImplementedError:
            castable = False
        except pa.ArrowInvalid:
            castable = True
        if not castable:
            raise InputError(f"{name}: column {field.name!r}: input type {array.type} cannot be read "
                             f"as {ctype.value}")
        row = first_row + _first_bad_index(array, target)
        raise InputError(f"{name}: row {row}: column {field.name!r}: {problem}")
    return array


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
