from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from pydantic import ValidationError

from secure_mlops.privacy import DataContract
from secure_mlops.validation import (
    ColumnProfile,
    DatasetProfile,
    ValidationResult,
    population_stability_index,
    profile_dataset,
    validate_dataset,
)

Edit = Callable[..., pa.Table]


def drift(result: ValidationResult, column: str | None) -> tuple[bool, str]:
    [check] = [c for c in result.checks if c.name == "drift" and c.column == column]
    return check.success, check.detail


def scaled(table: pa.Table, column: str, factor: float) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(index, column, pc.multiply(table.column(index), factor))


@pytest.mark.control("validation-gate")
def test_shifted_distribution_fails_drift(other_sample: pa.Table, contract: DataContract,
                                          reference: DatasetProfile) -> None:
    result = validate_dataset(scaled(other_sample, "mean_area", 1.5), contract,
                              reference=reference)

    success, detail = drift(result, "mean_area")
    assert not success
    assert re.fullmatch(r"PSI \d+\.\d\d > 0\.2", detail)
    # Only the shifted feature drifted; the contract checks still pass.
    assert [(c.name, c.column) for c in result.failures()] == [("drift", "mean_area")]
    assert "drift: mean_area PSI" in result.summary()


def test_label_shift_fails_drift(other_sample: pa.Table, contract: DataContract,
                                 reference: DatasetProfile, with_values: Edit) -> None:
    rows = other_sample.num_rows
    table = with_values(other_sample, "diagnosis", {i: "malignant" for i in range(rows * 4 // 5)})

    result = validate_dataset(table, contract, reference=reference)

    assert drift(result, "diagnosis")[0] is False
    assert result.failures()[0].column == "diagnosis"


def test_row_count_far_from_reference_fails(patients: pa.Table, contract: DataContract,
                                            reference: DatasetProfile) -> None:
    small = validate_dataset(patients.slice(0, 100), contract, reference=reference)
    large = validate_dataset(pa.concat_tables([patients] * 3), contract, reference=reference)

    assert drift(small, None) == (False, "rows 100 vs 569 in reference, ratio 0.18 outside [0.5, 2]")
    assert drift(large, None) == (False, "rows 1707 vs 569 in reference, ratio 3.00 outside [0.5, 2]")
    # The same rows three times over: the distributions themselves did not move.
    assert [c.column for c in large.failures()] == [None]


def test_without_row_ratio_bounds_the_row_count_is_not_compared(patients: pa.Table, contract: DataContract,
                                                                 reference: DatasetProfile) -> None:
    result = validate_dataset(patients.slice(0, 100), contract, reference=reference, row_ratio_bounds=None)

    assert result.success, result.summary()
    assert not [c for c in result.checks if c.name == "drift" and c.column is None]


def test_a_reference_of_another_contract_is_one_failed_check_naming_both(patients: pa.Table, contract: DataContract,
                                                                         reference: DatasetProfile) -> None:
    foreign = reference.model_copy(update={"contract_name": "churn", "contract_version": "2.1.0"})

    result = validate_dataset(patients, contract, reference=foreign)

    (failure,) = result.failures()
    assert failure.detail == (f"the reference profiles churn 2.1.0, not {contract.name} {contract.version}: "
                              "give this contract's own reference or none")
    assert [c for c in result.checks if c.name == "drift"] == [failure]


def test_row_ratio_bounds_and_threshold_are_configurable(patients: pa.Table, contract: DataContract,
                                                         reference: DatasetProfile) -> None:
    table = scaled(patients.slice(0, 100), "mean_area", 1.5)

    result = validate_dataset(table, contract, reference=reference, psi_threshold=100,
                              row_ratio_bounds=(0.1, 10))

    assert result.success, result.summary()


def test_shift_in_null_share_counts_as_drift(contract: DataContract, reference: DatasetProfile,
                                             other_sample: pa.Table, with_values: Edit) -> None:
    half = {i: None for i in range(0, other_sample.num_rows, 2)}
    table = with_values(other_sample, "sex", half)

    assert drift(validate_dataset(table, contract, reference=reference), "sex")[0] is False


def test_population_stability_index_of_equal_shares_is_zero() -> None:
    assert population_stability_index([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_population_stability_index_grows_with_the_shift() -> None:
    small = population_stability_index([0.5, 0.5], [0.45, 0.55])
    large = population_stability_index([0.5, 0.5], [0.1, 0.9])

    assert 0 < small < 0.1 < large
    # An empty bin on one side stays finite.
    assert np.isfinite(population_stability_index([1.0, 0.0], [0.0, 1.0]))


def test_population_stability_index_needs_the_same_bins() -> None:
    with pytest.raises(ValueError):
        population_stability_index([0.5, 0.5], [1.0])


@pytest.mark.control("coarse-answers")
def test_profile_holds_shares_not_identifiers(reference: DatasetProfile, patients: pa.Table) -> None:
    text = reference.model_dump_json()

    assert {c.name: c.kind for c in reference.columns} == {
        "sex": "categorical", "mean_radius": "numeric", "mean_texture": "numeric",
        "mean_perimeter": "numeric", "mean_area": "numeric", "mean_smoothness": "numeric",
        "diagnosis": "categorical"}
    assert not re.search(r"[0-9a-f]{32}", text.replace(reference.contract_sha256, ""))
    assert not re.search(r"\d{4}-\d\d-\d\d", text)  # no date of birth, generalized or not
    for column in reference.columns:
        assert sum(column.proportions) + column.null_proportion == pytest.approx(1.0)
    numeric = reference.column("mean_radius")
    assert numeric is not None and len(numeric.edges) == 9 and len(numeric.proportions) == 10
    assert reference.row_count == patients.num_rows


def test_profile_round_trips_as_a_reference(other_sample: pa.Table, contract: DataContract,
                                            reference: DatasetProfile) -> None:
    loaded = DatasetProfile.model_validate_json(reference.model_dump_json())

    assert loaded == reference
    assert validate_dataset(other_sample, contract, reference=loaded).success


def test_ties_in_a_generalized_feature_merge_bin_edges(contract: DataContract,
                                                       patients: pa.Table) -> None:
    index = patients.schema.get_field_index("mean_radius")
    coarse = pc.multiply(pc.floor(pc.divide(patients.column(index), 5)), 5)

    profile = profile_dataset(patients.set_column(index, "mean_radius", coarse), contract)

    column = profile.column("mean_radius")
    assert column is not None
    assert column.edges == sorted(set(column.edges)) and len(column.edges) < 9


@pytest.mark.parametrize("fields", [
    {"kind": "numeric", "edges": [1.0, 2.0], "proportions": [0.5, 0.5]},
    {"kind": "numeric", "edges": [2.0, 1.0], "proportions": [0.3, 0.3, 0.4]},
    {"kind": "numeric", "edges": [float("inf")], "proportions": [0.5, 0.5]},
    {"kind": "categorical", "categories": ["a"], "proportions": [1.0]},
    {"kind": "categorical", "categories": ["a"], "proportions": [1.5, 0.0]},
])
def test_malformed_reference_profile_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ColumnProfile.model_validate({"name": "c", "null_proportion": 0.0, **fields})

