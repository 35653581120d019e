"""Reading CSV input: errors name the right row and the right cause, never a value and never
with a traceback; rows as long as a block are read; readers are closed as soon as reading fails."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import DataContract, minimize_file
from secure_mlops.privacy.sources import CSV_BLOCK_BYTES

Rows = list[dict[str, str]]


@pytest.fixture
def patients(tmp_path: Path, make_patients: Callable[..., Rows], write_csv: Callable[..., Path]) -> Path:
    return write_csv(tmp_path / "in.csv", make_patients(500))


def _set_field(path: Path, row: int, column: str, value: bytes) -> None:
    """Write `value` into `column` of data row `row` (1-based, the header is not counted)."""
    lines = path.read_bytes().split(b"\r\n")  # as csv writes them; no field of these rows is quoted
    fields = lines[row].split(b",")
    fields[lines[0].split(b",").index(column.encode())] = value
    lines[row] = b",".join(fields)
    path.write_bytes(b"\r\n".join(lines))


def _minimize(contract: DataContract, source: Path, hmac_service: Any, **options: Any) -> Path:
    out = source.parent / "out.parquet"
    minimize_file(contract, source, out, hmac_service, **options)
    return out


def test_a_bad_byte_is_reported_at_its_row(contract: DataContract, patients: Path, hmac_service: Any,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    _set_field(patients, 300, "diagnosis", b"mal\xffignant")  # a kept label

    with pytest.raises(InputError) as caught:
        _minimize(contract, patients, hmac_service, batch_rows=64)

    assert str(caught.value) == "in.csv: row 300: column 'diagnosis': text that is not UTF-8"
    assert caught.value.__context__ is None
    assert capfd.readouterr().err == ""
    assert not (patients.parent / "out.parquet").exists()


def test_a_row_with_an_extra_field_and_a_bad_byte_is_reported_at_its_row(
        contract: DataContract, patients: Path, hmac_service: Any, capfd: pytest.CaptureFixture[str]) -> None:
    lines = patients.read_bytes().split(b"\r\n")
    lines[300] += b",jane@example.com\xff"
    patients.write_bytes(b"\r\n".join(lines))

    with pytest.raises(InputError) as caught:
        _minimize(contract, patients, hmac_service)

    assert str(caught.value) == "in.csv: row 300: expected 9 fields, found 10"
    assert capfd.readouterr().err == ""  # pyarrow's handler once printed a UnicodeDecodeError here


@pytest.mark.parametrize("content", [os.urandom(20_000), b"\xff\xfe\x00g\x00a\x00r\x00b\n1,2\n"],
                         ids=["random-bytes", "utf16-header"])
def test_a_file_that_is_not_csv_text_has_no_readable_header(
        contract: DataContract, tmp_path: Path, hmac_service: Any, capfd: pytest.CaptureFixture[str],
        content: bytes) -> None:
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(content)

    with pytest.raises(InputError, match=r"^garbage.csv: cannot read a CSV header$"):
        _minimize(contract, garbage, hmac_service)

    assert capfd.readouterr().err == ""


def test_a_bad_byte_after_the_header_is_not_a_header_problem(contract: DataContract, patients: Path,
                                                             hmac_service: Any) -> None:
    _set_field(patients, 1, "diagnosis", b"\xff\xff")
    with pytest.raises(InputError, match=r"^in.csv: row 1: column 'diagnosis': text that is not UTF-8$"):
        _minimize(contract, patients, hmac_service)


def test_a_header_after_blank_lines_and_a_byte_order_mark_is_read(
        contract: DataContract, patients: Path, hmac_service: Any) -> None:
    patients.write_bytes(b"\xef\xbb\xbf\r\n\r\n" + patients.read_bytes())

    assert pq.read_table(_minimize(contract, patients, hmac_service)).num_rows == 500


def test_a_4_mib_field_is_read(contract: DataContract, patients: Path, hmac_service: Any) -> None:
    _set_field(patients, 10, "full_name", b'"' + b"Jane,\n" * (4 * 1024 * 1024 // 6) + b'"')

    assert pq.read_table(_minimize(contract, patients, hmac_service)).num_rows == 500


def test_a_row_longer_than_a_block_is_named_as_such(contract: DataContract, patients: Path,
                                                    hmac_service: Any) -> None:
    # pyarrow reads a row spanning two blocks at most: rows of one to two blocks may pass.
    _set_field(patients, 400, "full_name", b"x" * (3 * CSV_BLOCK_BYTES))

    with pytest.raises(InputError, match=r"^in.csv: after row \d+: a row longer than 16 MiB, or a quote "
                                         r"that is never closed$"):
        _minimize(contract, patients, hmac_service)


def test_a_failed_read_closes_the_reader_at_once(contract: DataContract, patients: Path,
                                                 hmac_service: Any) -> None:
    """The error, its traceback and their frames may live until the interpreter exits (the CLI
    once exited from inside its `except`): an open pyarrow reader among them could abort the
    process as it was torn down ("terminate called without an active exception", exit 134)."""
    _set_field(patients, 450, "mean_radius", b"1.2.3")  # fails the cast, after the read

    with pytest.raises(InputError) as caught:
        _minimize(contract, patients, hmac_service, batch_rows=64)

    gc.collect()
    assert caught.value.__traceback__ is not None  # still held here, as it was in the CLI
    assert [o for o in gc.get_objects() if isinstance(o, pacsv.CSVStreamingReader)] == []
