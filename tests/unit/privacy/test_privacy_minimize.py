from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from secure_mlops.errors import InputError, PrivacyError, StorageError
from secure_mlops.privacy import (
    DataContract,
    KAnonymityError,
    MinimizationReport,
    minimize_file,
    parse_contract,
    write_report,
)

Rows = list[dict[str, str]]


@pytest.fixture
def patients_csv(tmp_path: Path, make_patients: Callable[..., Rows],
                 write_csv: Callable[..., Path]) -> Path:
    return write_csv(tmp_path / "patients.csv", make_patients(200))


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.control("minimization")
def test_output_follows_the_contract(contract: DataContract, patients_csv: Path, tmp_path: Path,
                                     hmac_service: Any) -> None:
    out = tmp_path / "out.parquet"
    report = minimize_file(contract, patients_csv, out, hmac_service)
    table = pq.read_table(out)
    assert table.schema.names == ["patient_id", "ssn", "date_of_birth", "postcode", "age", "sex",
                                  "mean_radius", "diagnosis"]
    assert [str(t) for t in table.schema.types] == [
        "string", "string", "date32[day]", "string", "int64", "string", "double", "string"]
    assert report.input_rows == report.output_rows == table.num_rows == 200
    first = table.slice(0, 1).to_pylist()[0]
    assert len(first["patient_id"]) == 32
    assert first["ssn"].startswith("*******")
    assert first["date_of_birth"] in (dt.date(1980, 1, 1), dt.date(1981, 1, 1))
    assert first["postcode"] == "101"
    assert first["age"] == 40
    metadata = json.loads(table.schema.metadata[b"secure_mlops.contract"])
    assert metadata == {"name": "test-patients", "version": "1", "sha256": contract.digest()}


def test_report_lists_columns_by_fate(contract: DataContract, patients_csv: Path, tmp_path: Path,
                                      hmac_service: Any) -> None:
    report = minimize_file(contract, patients_csv, tmp_path / "out.parquet", hmac_service)
    assert report.contract_name == "test-patients"
    assert report.input_format == "csv"
    assert report.columns_kept == ["sex", "mean_radius", "diagnosis"]
    assert report.columns_transformed == {
        "pseudonymize": ["patient_id"], "mask": ["ssn"],
        "generalize": ["date_of_birth", "postcode", "age"]}
    assert report.columns_dropped == ["full_name"]
    assert report.columns_not_in_contract == []
    assert report.k_anonymity.quasi_identifiers == ["date_of_birth", "postcode", "age", "sex"]
    assert (report.k_required, report.k_achieved) == (1, report.k_anonymity.k_achieved)


@pytest.mark.control("minimization")
def test_columns_not_in_contract_are_dropped_and_reported(
        contract: DataContract, tmp_path: Path, make_patients: Callable[..., Rows],
        write_csv: Callable[..., Path], hmac_service: Any) -> None:
    rows = [{**row, "email": f"p{i}@example.org", "notes": "smokes"}
            for i, row in enumerate(make_patients(20))]
    out = tmp_path / "out.parquet"
    report = minimize_file(contract, write_csv(tmp_path / "in.csv", rows), out, hmac_service)
    assert report.columns_not_in_contract == ["email", "notes"]
    assert "email" not in pq.read_schema(out).names
    assert "notes" not in pq.read_schema(out).names


def test_quoted_fields_may_span_lines(contract: DataContract, tmp_path: Path,
                                      make_patients: Callable[..., Rows],
                                      write_csv: Callable[..., Path], hmac_service: Any) -> None:
    rows = [{**row, "address": "1 Main St\nApt 2\nSpringfield"} for row in make_patients(10)]
    rows[3]["full_name"] = "Jane\nDoe"
    out = tmp_path / "out.parquet"
    report = minimize_file(contract, write_csv(tmp_path / "in.csv", rows), out, hmac_service)
    assert report.output_rows == pq.read_table(out).num_rows == 10


def test_contract_column_missing_from_data_fails(
        contract: DataContract, tmp_path: Path, make_patients: Callable[..., Rows],
        write_csv: Callable[..., Path], hmac_service: Any) -> None:
    rows = [{k: v for k, v in row.items() if k not in ("ssn", "sex")} for row in make_patients(5)]
    with pytest.raises(InputError,
                       match=r"in.csv: contract columns missing from the input: ssn, sex"):
        minimize_file(contract, write_csv(tmp_path / "in.csv", rows), tmp_path / "out.parquet",
                      hmac_service)
    assert not (tmp_path / "out.parquet").exists()


def test_malformed_csv_fails_without_output(contract: DataContract, patients_csv: Path,
                                            tmp_path: Path, hmac_service: Any) -> None:
    lines = patients_csv.read_text().splitlines()
    lines[150] += ",secret-extra-field"  # data row 150
    patients_csv.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous output")
    with pytest.raises(InputError) as caught:
        minimize_file(contract, patients_csv, out, hmac_service, batch_rows=32)
    assert str(caught.value) == "patients.csv: row 150: expected 9 fields, found 10"
    assert caught.value.__context__ is None
    assert out.read_bytes() == b"previous output"
    assert _leftovers(tmp_path) == []


def test_bad_value_error_does_not_echo_the_value(contract: DataContract, tmp_path: Path,
                                                 make_patients: Callable[..., Rows],
                                                 write_csv: Callable[..., Path],
                                                 hmac_service: Any) -> None:
    rows = make_patients(100)
    rows[76]["age"] = "Jane Doe 555-0100"
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError) as caught:
        minimize_file(contract, write_csv(tmp_path / "in.csv", rows), out, hmac_service,
                      batch_rows=16)
    message = str(caught.value)
    assert message == "in.csv: row 77: column 'age': value is not a valid integer"
    # pyarrow's own error quotes the value: it must not even be chained to ours.
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_pseudonyms_stable_across_runs_and_files(
        contract: DataContract, tmp_path: Path, make_patients: Callable[..., Rows],
        write_csv: Callable[..., Path], hmac_service: Any) -> None:
    rows = make_patients(50)
    first = write_csv(tmp_path / "first.csv", rows)
    second = write_csv(tmp_path / "second.csv", list(reversed(rows[10:])))
    minimize_file(contract, first, tmp_path / "a.parquet", hmac_service)
    minimize_file(contract, first, tmp_path / "b.parquet", hmac_service, batch_rows=7)
    same_key_new_service = type(hmac_service)()
    minimize_file(contract, second, tmp_path / "c.parquet", same_key_new_service)
    ids_a = pq.read_table(tmp_path / "a.parquet").column("patient_id").to_pylist()
    ids_b = pq.read_table(tmp_path / "b.parquet").column("patient_id").to_pylist()
    ids_c = pq.read_table(tmp_path / "c.parquet").column("patient_id").to_pylist()
    assert ids_a == ids_b
    assert ids_c == list(reversed(ids_a[10:]))


@pytest.mark.control("keyed-pseudonyms")
def test_pseudonyms_change_with_key(contract: DataContract, patients_csv: Path, tmp_path: Path,
                                    hmac_service: Any, other_hmac_service: Any) -> None:
    minimize_file(contract, patients_csv, tmp_path / "a.parquet", hmac_service)
    minimize_file(contract, patients_csv, tmp_path / "b.parquet", other_hmac_service)
    ids_a = pq.read_table(tmp_path / "a.parquet").column("patient_id").to_pylist()
    ids_b = pq.read_table(tmp_path / "b.parquet").column("patient_id").to_pylist()
    assert set(ids_a).isdisjoint(ids_b)


@pytest.mark.control("k-anonymity")
def test_k_anonymity_below_k_fails_and_writes_nothing(
        contract: DataContract, tmp_path: Path, make_patients: Callable[..., Rows],
        write_csv: Callable[..., Path], hmac_service: Any) -> None:
    rows = make_patients(120)
    for row in rows:
        row["sex"] = "F"
    for row, postcode in zip(rows[:3], ["99001", "99002", "98001"], strict=True):
        row["postcode"] = postcode  # -> "990" twice and "980" once: two groups below k
        row["date_of_birth"] = "1980-06-01"
    out = tmp_path / "out.parquet"
    with pytest.raises(KAnonymityError) as caught:
        minimize_file(contract, write_csv(tmp_path / "in.csv", rows), out, hmac_service,
                      batch_rows=50, k=5)
    result = caught.value.result
    assert isinstance(caught.value, PrivacyError)
    assert (result.k_required, result.k_achieved) == (5, 1)
    assert (result.groups_below_k, result.rows_below_k) == (2, 3)
    assert result.groups == 4  # two birth years in postcode area 101, plus the two small groups
    assert "990" not in str(caught.value) and "980" not in str(caught.value)
    assert str(caught.value).startswith("k-anonymity not met: required k=5, achieved k=1; "
                                        "2 of 4 groups (3 rows) have fewer than 5 rows")
    assert not out.exists()
    assert _leftovers(tmp_path) == []


def test_k_anonymity_counts_groups_across_batches(contract: DataContract, patients_csv: Path,
                                                  tmp_path: Path, hmac_service: Any) -> None:
    # 200 rows in 4 groups (birth year x sex); batches of 3 rows see tiny groups only.
    report = minimize_file(contract, patients_csv, tmp_path / "out.parquet", hmac_service,
                           batch_rows=3, k=10)
    assert report.k_anonymity.groups == 4
    assert report.k_anonymity.k_achieved is not None and report.k_anonymity.k_achieved >= 10
    assert report.batches == 67


@pytest.mark.control("k-anonymity")
def test_k_cannot_be_lowered_below_the_contract(contract_yaml: str, patients_csv: Path,
                                                tmp_path: Path, hmac_service: Any) -> None:
    strict = parse_contract(contract_yaml.replace("k: 1", "k: 5"))
    with pytest.raises(InputError, match="k=2 is below the contract's k=5"):
        minimize_file(strict, patients_csv, tmp_path / "out.parquet", hmac_service, k=2)


def test_report_contains_no_data_values(contract: DataContract, patients_csv: Path,
                                        tmp_path: Path, make_patients: Callable[..., Rows],
                                        hmac_service: Any) -> None:
    report = minimize_file(contract, patients_csv, tmp_path / "out.parquet", hmac_service)
    write_report(report, tmp_path / "report.json")
    text = (tmp_path / "report.json").read_text()
    assert MinimizationReport.model_validate_json(text) == report
    for row in make_patients(200):
        for column in ("patient_id", "full_name", "ssn", "date_of_birth", "postcode"):
            assert row[column] not in text
        assert row["mean_radius"] not in text
    assert "malignant" not in text and "benign" not in text


def test_parquet_input_and_csv_input_give_same_output(contract: DataContract, patients_csv: Path,
                                                      tmp_path: Path, hmac_service: Any) -> None:
    as_parquet = tmp_path / "patients.parquet"
    pq.write_table(pacsv.read_csv(patients_csv), as_parquet, row_group_size=37)
    from_csv = minimize_file(contract, patients_csv, tmp_path / "a.parquet", hmac_service,
                             batch_rows=64)
    from_parquet = minimize_file(contract, as_parquet, tmp_path / "b.parquet", hmac_service,
                                 batch_rows=64)
    assert pq.read_table(tmp_path / "a.parquet").equals(pq.read_table(tmp_path / "b.parquet"))
    assert from_parquet.input_format == "parquet"
    assert from_parquet.model_dump(exclude={"input_format"}) == from_csv.model_dump(
        exclude={"input_format"})


def test_parquet_column_that_cannot_be_cast_fails(contract: DataContract, patients_csv: Path,
                                                  tmp_path: Path, hmac_service: Any) -> None:
    table = pacsv.read_csv(patients_csv)
    ages = table.column("age").cast(pa.float64()).to_pylist()
    ages[42] = 44.5
    bad = tmp_path / "bad.parquet"
    age = table.schema.get_field_index("age")
    pq.write_table(table.set_column(age, "age", pa.array(ages)), bad)
    with pytest.raises(InputError,
                       match=r"^bad.parquet: row 43: column 'age': value is not a valid integer$"):
        minimize_file(contract, bad, tmp_path / "out.parquet", hmac_service, batch_rows=10)


def test_streaming_memory_is_bounded_by_batch(contract: DataContract, patients_csv: Path,
                                              tmp_path: Path, hmac_service: Any) -> None:
    out = tmp_path / "out.parquet"
    report = minimize_file(contract, patients_csv, out, hmac_service, batch_rows=32)
    metadata = pq.ParquetFile(out).metadata
    sizes = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
    assert sizes == [32] * 6 + [8]
    assert report.batches == 7
    # Pseudonyms are computed batch by batch (every id is new), not over the whole file at once.
    assert hmac_service.batch_sizes == [32] * 6 + [8]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_an_input_without_data_rows_is_refused(contract: DataContract, tmp_path: Path,
                                               write_csv: Callable[..., Path], hmac_service: Any,
                                               kind: str) -> None:
    empty = write_csv(tmp_path / "in.csv", [])  # the header only
    if kind == "parquet":
        pq.write_table(pacsv.read_csv(empty), tmp_path / "in.parquet")
        empty = tmp_path / "in.parquet"
    out = tmp_path / "out.parquet"
    with pytest.raises(InputError, match=rf"^in.{kind}: no data rows, nothing to minimize$"):
        minimize_file(contract, empty, out, hmac_service, report_path=tmp_path / "report.json")
    assert not out.exists() and not (tmp_path / "report.json").exists()


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("in.json", b"{}", r"in.json: unsupported input format"),
    ("in.parquet", b"not parquet", r"in.parquet: not a readable Parquet file"),
    ("in.csv", b"", r"in.csv: cannot read a CSV header"),
])
def test_unreadable_input_is_rejected(contract: DataContract, tmp_path: Path, name: str,
                                      content: bytes, expected: str, hmac_service: Any) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=expected):
        minimize_file(contract, tmp_path / name, tmp_path / "out.parquet", hmac_service)
    assert _leftovers(tmp_path) == []


def test_missing_input_and_output_directory_are_clear_errors(
        contract: DataContract, patients_csv: Path, tmp_path: Path, hmac_service: Any) -> None:
    with pytest.raises(InputError, match="input file not found"):
        minimize_file(contract, tmp_path / "absent.csv", tmp_path / "out.parquet", hmac_service)
    with pytest.raises(StorageError, match="no such directory"):
        minimize_file(contract, patients_csv, tmp_path / "no" / "out.parquet", hmac_service)


def test_a_dataset_scoped_contract_gives_pseudonyms_no_other_dataset_shares(
        contract_yaml: str, patients_csv: Path, tmp_path: Path, hmac_service: Any) -> None:
    from secure_mlops.privacy import Pseudonymizer

    scoped = parse_contract(contract_yaml.replace("columns:", "pseudonym_scope: dataset\ncolumns:"))
    minimize_file(parse_contract(contract_yaml), patients_csv, tmp_path / "global.parquet", hmac_service)
    minimize_file(scoped, patients_csv, tmp_path / "scoped.parquet", hmac_service)

    shared = pq.read_table(tmp_path / "global.parquet").column("patient_id").to_pylist()
    own = pq.read_table(tmp_path / "scoped.parquet").column("patient_id").to_pylist()
    assert set(shared).isdisjoint(own)
    raw = pacsv.read_csv(patients_csv, convert_options=pacsv.ConvertOptions(column_types={"patient_id": pa.string()}))
    expected = Pseudonymizer(hmac_service, scope="test-patients").pseudonymize(raw.column("patient_id").combine_chunks())
    assert own == expected.to_pylist()


# --- the report, written with the output -------------------------------------------------------


def test_the_report_is_written_with_the_output(contract: DataContract, patients_csv: Path,
                                               tmp_path: Path, hmac_service: Any) -> None:
    out, report_path = tmp_path / "out.parquet", tmp_path / "reports" / "out.json"
    report_path.parent.mkdir()

    report = minimize_file(contract, patients_csv, out, hmac_service, report_path=report_path)

    assert MinimizationReport.model_validate_json(report_path.read_text()) == report
    assert report_path.read_bytes() == report.file_content()
    assert pq.read_table(out).num_rows == 200


@pytest.mark.parametrize("report_at", ["missing/report.json", "patients.csv/report.json"],
                         ids=["missing-folder", "under-a-file"])
def test_a_report_that_cannot_be_written_fails_the_run_before_anything_is_written(
        contract: DataContract, patients_csv: Path, tmp_path: Path, hmac_service: Any,
        report_at: str) -> None:
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous output")
    with pytest.raises(StorageError, match="cannot write"):
        minimize_file(contract, patients_csv, out, hmac_service, report_path=tmp_path / report_at)
    assert out.read_bytes() == b"previous output"
    assert hmac_service.batch_sizes == []  # failed before the first pseudonym
    assert _leftovers(tmp_path) == []


def test_a_failed_gate_writes_neither_output_nor_report(
        contract: DataContract, patients_csv: Path, tmp_path: Path, hmac_service: Any) -> None:
    out, report_path = tmp_path / "out.parquet", tmp_path / "report.json"
    with pytest.raises(KAnonymityError):
        minimize_file(contract, patients_csv, out, hmac_service, k=1000, report_path=report_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patients.csv"]


def test_the_report_cannot_be_the_output(contract: DataContract, patients_csv: Path,
                                         tmp_path: Path, hmac_service: Any) -> None:
    out = tmp_path / "out.parquet"
    with pytest.raises(StorageError, match="same file twice"):
        minimize_file(contract, patients_csv, out, hmac_service, report_path=out)
    assert not out.exists()


# --- k that cannot be a row count --------------------------------------------------------------


def test_an_oversized_k_is_refused_before_any_pseudonym(contract_yaml: str, patients_csv: Path,
                                                        tmp_path: Path, hmac_service: Any) -> None:
    huge = 2**63  # one past int64: the counts it is compared with are int64
    with pytest.raises(InputError, match=r"^k is too large: at most 9223372036854775807$"):
        minimize_file(parse_contract(contract_yaml), patients_csv, tmp_path / "out.parquet", hmac_service,
                      k=huge)
    in_contract = parse_contract(contract_yaml.replace("k: 1", f"k: {10**30}"))
    with pytest.raises(InputError, match=r"^the contract's k_anonymity.k is too large"):
        minimize_file(in_contract, patients_csv, tmp_path / "out.parquet", hmac_service)
    assert hmac_service.batch_sizes == []
    assert not (tmp_path / "out.parquet").exists()
