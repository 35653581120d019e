from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import DataContract, parse_contract
from secure_mlops.validation import Check, ValidationResult, validate_dataset

Edit = Callable[..., pa.Table]


def failed(result: ValidationResult, name: str, column: str | None = None) -> Check:
    matches = [c for c in result.failures() if c.name == name and c.column == column]
    assert len(matches) == 1, result.summary()
    return matches[0]


def test_clean_dataset_passes(patients: pa.Table, other_sample: pa.Table,
                              contract: DataContract) -> None:
    first = validate_dataset(patients, contract)
    second = validate_dataset(other_sample, contract, reference=first.profile)

    assert first.success, first.summary()
    assert second.success, second.summary()
    assert {c.name for c in second.checks} >= {"schema", "row_count", "type", "not_null",
                                               "range", "finite", "allowed_values", "pattern", "drift"}
    assert second.summary() == f"validation passed: {len(second.checks)} checks"


@pytest.mark.control("validation-gate")
def test_out_of_range_value_fails_range_check(patients: pa.Table, contract: DataContract,
                                              with_values: Edit) -> None:
    table = with_values(patients, "mean_smoothness", {row: 1.5 for row in range(12)})

    result = validate_dataset(table, contract)

    check = failed(result, "range", "mean_smoothness")
    assert check.detail == f"12 of {patients.num_rows} rows outside [0, 1]"
    assert "mean_smoothness: range" in result.summary()


def test_date_before_contract_minimum_fails_range_check(patients: pa.Table, contract: DataContract,
                                                        with_values: Edit) -> None:
    import datetime as dt

    table = with_values(patients, "date_of_birth", {0: dt.date(1890, 1, 1)})

    check = failed(validate_dataset(table, contract), "range", "date_of_birth")
    assert check.detail.startswith("1 of ")
    assert check.detail.endswith("rows below 1900-01-01")


@pytest.mark.control("validation-gate")
def test_unexpected_column_fails_schema(patients: pa.Table, contract: DataContract) -> None:
    table = patients.append_column("x", pa.array([1.0] * patients.num_rows))

    result = validate_dataset(table, contract)

    assert failed(result, "schema").detail == "unexpected column 'x'"
    assert "schema: unexpected column 'x'" in result.summary()


def test_missing_column_fails_schema(patients: pa.Table, contract: DataContract) -> None:
    table = patients.drop_columns(["mean_area"])

    result = validate_dataset(table, contract)

    assert failed(result, "schema").detail == "missing column 'mean_area'"
    # The missing column's own checks would only repeat the schema failure.
    assert [c for c in result.checks if c.column == "mean_area"] == []
    assert len(result.failures()) == 1


def test_columns_out_of_order_fail_schema(patients: pa.Table, contract: DataContract) -> None:
    names = patients.column_names
    table = patients.select([names[1], names[0], *names[2:]])

    assert failed(validate_dataset(table, contract), "schema").detail == \
        "columns not in contract order"


def test_duplicate_column_fails_schema_only(patients: pa.Table, contract: DataContract) -> None:
    table = patients.append_column("mean_area", patients.column("mean_area"))

    result = validate_dataset(table, contract)

    assert failed(result, "schema").detail == "duplicate column 'mean_area'"
    assert len(result.failures()) == 1


def test_timestamp_written_for_a_date_fails_type_check(patients: pa.Table,
                                                       contract: DataContract) -> None:
    index = patients.schema.get_field_index("date_of_birth")
    stamps = patients.column(index).cast(pa.timestamp("ms"))

    result = validate_dataset(patients.set_column(index, "date_of_birth", stamps), contract)

    assert failed(result, "type", "date_of_birth").detail == "timestamp[ms], expected date32[day]"


def test_date_beyond_nanosecond_range_is_still_checked(patients: pa.Table, contract: DataContract,
                                                       with_values: Edit) -> None:
    import datetime as dt

    table = with_values(patients, "date_of_birth", {0: dt.date(1, 1, 1)})

    result = validate_dataset(table, contract)

    assert [(c.column, c.name) for c in result.failures()] == [("date_of_birth", "range")]


def test_null_in_non_nullable_column_fails(patients: pa.Table, contract: DataContract,
                                           with_values: Edit) -> None:
    table = with_values(patients, "mean_radius", {3: None, 4: None, 5: float("nan")})

    result = validate_dataset(table, contract)

    # NaN is a value, and not a number: the finite check's, not a null.
    assert failed(result, "not_null", "mean_radius").detail == f"2 of {patients.num_rows} rows null"
    assert failed(result, "finite", "mean_radius").detail.startswith("1 of ")


def test_value_outside_allowed_set_fails(patients: pa.Table, contract: DataContract,
                                         with_values: Edit) -> None:
    table = with_values(patients, "diagnosis", {0: "unknown", 1: "Benign"})

    check = failed(validate_dataset(table, contract), "allowed_values", "diagnosis")

    assert check.detail == f"2 of {patients.num_rows} rows outside the 2 allowed values"


def test_raw_identifier_fails_pseudonym_pattern(patients: pa.Table, contract: DataContract,
                                                with_values: Edit) -> None:
    pseudonym = patients.column("patient_id")[0].as_py()
    table = with_values(patients, "patient_id", {0: "P007-0000001", 1: pseudonym.upper(),
                                                 2: pseudonym + "\n"})

    check = failed(validate_dataset(table, contract), "pattern", "patient_id")

    assert check.detail.startswith(f"3 of {patients.num_rows} rows not a pseudonym")


def test_wrong_type_fails_type_check(patients: pa.Table, contract: DataContract) -> None:
    index = patients.schema.get_field_index("mean_radius")
    as_text = pc.cast(patients.column(index), pa.string())
    table = patients.set_column(index, "mean_radius", as_text)

    result = validate_dataset(table, contract)

    assert failed(result, "type", "mean_radius").detail == "string, expected double"
    # A range on text cannot be evaluated; it fails without quoting anything.
    assert failed(result, "range", "mean_radius").detail == \
        "not evaluated: the column's type does not fit"


def test_row_count_outside_bounds_fails(patients: pa.Table, contract: DataContract) -> None:
    few = validate_dataset(patients.slice(0, 10), contract, min_rows=100)
    many = validate_dataset(patients, contract, max_rows=100)

    assert failed(few, "row_count").detail == "10 rows, expected at least 100"
    assert failed(many, "row_count").detail == f"{patients.num_rows} rows, expected 1 to 100"


def test_empty_dataset_fails_row_count_only(patients: pa.Table, contract: DataContract) -> None:
    result = validate_dataset(patients.slice(0, 0), contract)

    assert [c.name for c in result.failures()] == ["row_count"]


ALL_TYPES_CONTRACT = """\
name: all-types
version: "1"
columns:
  - {name: ssn, type: string, classification: direct_identifier, action: mask,
     params: {keep_last: 4}}
  - {name: member, type: integer, classification: direct_identifier, action: pseudonymize}
  - {name: postcode, type: string, classification: quasi_identifier, action: generalize,
     params: {keep_chars: 3}}
  - {name: born, type: date, classification: quasi_identifier, action: generalize,
     params: {to: decade}, allowed_values: [1970-01-01, 1980-01-01]}
  - {name: visits, type: integer, classification: feature, action: keep, min: 0, max: 50}
  - {name: smoker, type: boolean, classification: feature, action: keep, allowed_values: [true, false]}
  - {name: dose, type: float, classification: feature, action: generalize, params: {bucket: 0.5}}
"""


@pytest.fixture
def all_types() -> tuple[pa.Table, DataContract]:
    import datetime as dt

    table = pa.table({
        "ssn": ["*******6789", "****", None],
        "member": ["0123456789abcdef0123456789abcdef"] * 3,
        "postcode": ["101", "10", None],
        "born": pa.array([dt.date(1970, 1, 1), dt.date(1980, 1, 1), None]),
        "visits": pa.array([0, 50, None], pa.int64()),
        "smoker": [True, False, None],
        "dose": [0.5, 1.0, None],
    })
    return table, parse_contract(ALL_TYPES_CONTRACT, source="all-types")


def test_every_contract_type_passes_when_written_as_minimization_writes_it(
        all_types: tuple[pa.Table, DataContract]) -> None:
    table, contract = all_types

    result = validate_dataset(table, contract)

    assert result.success, result.summary()
    assert {(c.column, c.name) for c in result.checks} >= {
        ("ssn", "pattern"), ("member", "pattern"), ("postcode", "length"),
        ("born", "allowed_values"), ("visits", "range"), ("smoker", "allowed_values")}


def test_unmasked_and_ungeneralized_values_fail(all_types: tuple[pa.Table, DataContract],
                                               with_values: Edit) -> None:
    table, contract = all_types
    table = with_values(table, "ssn", {0: "123-45-6789"})
    table = with_values(table, "postcode", {0: "10115"})

    result = validate_dataset(table, contract)

    assert failed(result, "pattern", "ssn").detail.startswith("1 of 3 rows not masked")
    assert failed(result, "length", "postcode").detail == "1 of 3 rows longer than 3 characters"


def test_date_and_integer_sets_and_ranges_are_checked(all_types: tuple[pa.Table, DataContract],
                                                      with_values: Edit) -> None:
    import datetime as dt

    table, contract = all_types
    table = with_values(table, "born", {0: dt.date(1975, 1, 1)})
    table = with_values(table, "visits", {0: 51})

    result = validate_dataset(table, contract)

    assert failed(result, "allowed_values", "born").detail.startswith("1 of 3 rows")
    assert failed(result, "range", "visits").detail == "1 of 3 rows outside [0, 50]"


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")], ids=["+inf", "-inf", "nan"])
def test_a_float_that_is_not_finite_fails_without_a_range_in_the_contract(
        all_types: tuple[pa.Table, DataContract], with_values: Edit, value: float) -> None:
    table, contract = all_types  # `dose` has neither min nor max
    table = with_values(table, "dose", {0: value})

    result = validate_dataset(table, contract)

    check = failed(result, "finite", "dose")
    assert check.detail == "1 of 3 rows not a finite number (NaN or infinite)"
    assert [c.name for c in result.failures()] == ["finite"]


def test_nan_fails_the_range_and_a_null_only_not_null(patients: pa.Table, contract: DataContract,
                                                      with_values: Edit) -> None:
    table = with_values(patients, "mean_smoothness", {0: float("nan"), 1: None})

    result = validate_dataset(table, contract)

    one = f"1 of {patients.num_rows} rows"
    assert failed(result, "range", "mean_smoothness").detail == f"{one} outside [0, 1]"
    assert failed(result, "finite", "mean_smoothness").detail == f"{one} not a finite number (NaN or infinite)"
    assert failed(result, "not_null", "mean_smoothness").detail == f"{one} null"
    assert len(result.failures()) == 3


@pytest.mark.parametrize("arguments", [
    {"min_rows": -1}, {"min_rows": 10, "max_rows": 5}, {"psi_threshold": 0},
    {"psi_threshold": float("nan")}, {"row_ratio_bounds": (2.0, 0.5)},
    {"row_ratio_bounds": (0.0, 2.0)},
])
def test_bad_arguments_raise_input_error(patients: pa.Table, contract: DataContract,
                                         arguments: dict[str, object]) -> None:
    with pytest.raises(InputError):
        validate_dataset(patients, contract, **arguments)  # type: ignore[arg-type]
