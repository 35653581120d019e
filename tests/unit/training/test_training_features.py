from __future__ import annotations

import pickle
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import DataContract
from secure_mlops.training import feature_columns, load_dataset, train_model

FEATURES = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness"]


def _edited(contract: DataContract, name: str, **changes: Any) -> DataContract:
    """The contract with column `name` changed (validated again); a `None` removes a field."""
    data = contract.model_dump(exclude_unset=True)
    # A DP bound may only name a kept numeric feature, which the edit may undo.
    data.get("differential_privacy", {}).get("bounds", {}).pop(name, None)
    for column in data["columns"]:
        if column["name"] == name:
            column.update(changes)
            for field in [f for f, value in changes.items() if value is None]:
                del column[field]
    return DataContract.model_validate(data)


def test_features_are_contract_features_only(contract: DataContract) -> None:
    features, label = feature_columns(contract)
    assert features == FEATURES
    assert label == "diagnosis"
    # Quasi-identifiers and the pseudonym are in the minimized data but never model inputs.
    assert not {"patient_id", "date_of_birth", "sex"} & set(features)


def test_dropped_feature_is_not_a_feature(contract: DataContract) -> None:
    features, _ = feature_columns(_edited(contract, "mean_area", action="drop", min=None, nullable=None))
    assert "mean_area" not in features


def test_no_label_in_contract_is_input_error(contract: DataContract) -> None:
    no_label = _edited(contract, "diagnosis", classification="feature")
    with pytest.raises(InputError, match="exactly one kept label column, found none"):
        feature_columns(no_label)


def test_two_labels_in_contract_is_input_error(contract: DataContract) -> None:
    two_labels = _edited(contract, "mean_area", classification="label")
    with pytest.raises(InputError, match=r"found 2 \(mean_area, diagnosis\)"):
        feature_columns(two_labels)


def test_non_numeric_feature_is_input_error(contract: DataContract) -> None:
    data = contract.model_dump(exclude_unset=True)
    data["columns"].append({"name": "ward", "type": "string", "classification": "feature",
                            "action": "keep"})
    with pytest.raises(InputError, match="ward is not numeric"):
        feature_columns(DataContract.model_validate(data))


def test_missing_feature_value_is_input_error_without_values(table: pa.Table,
                                                            contract: DataContract) -> None:
    index = table.column_names.index("mean_radius")
    column = table.column(index).to_pylist()
    column[3] = None
    with pytest.raises(InputError, match="mean_radius has 1 missing value") as caught:
        load_dataset(table.set_column(index, "mean_radius", pa.array(column)), contract)
    assert str(column[4]) not in str(caught.value)


def test_label_outside_allowed_values_is_input_error(table: pa.Table, contract: DataContract) -> None:
    index = table.column_names.index("diagnosis")
    relabelled = pc.replace_substring(table.column(index), "benign", "unclear")
    with pytest.raises(InputError, match="not among its allowed_values"):
        load_dataset(table.set_column(index, "diagnosis", relabelled), contract)


def test_classes_follow_allowed_values_and_first_is_positive(table: pa.Table,
                                                             contract: DataContract) -> None:
    assert load_dataset(table, contract).classes == ["malignant", "benign"]
    swapped = _edited(contract, "diagnosis", allowed_values=["benign", "malignant"])
    assert train_model(table, swapped).positive_class == "benign"


def test_dataset_shows_no_rows_and_cannot_be_pickled(table: pa.Table, contract: DataContract) -> None:
    dataset = load_dataset(table, contract)
    assert repr(dataset) == "Dataset(rows=569, features=5, classes=2)"
    with pytest.raises(TypeError, match="stay in memory"):
        pickle.dumps(dataset)
