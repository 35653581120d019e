from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.privacy import DataContract
from secure_mlops.training import TrainResult, load_model, save_model, train_model


def test_skops_round_trip_predicts_the_same(tmp_path: Path, trained: TrainResult) -> None:
    save_model(trained.estimator, tmp_path / "model.skops")
    loaded = load_model(tmp_path / "model.skops")
    np.testing.assert_array_equal(loaded.predict_proba(trained.test.x),
                                  trained.estimator.predict_proba(trained.test.x))
    assert zipfile.is_zipfile(tmp_path / "model.skops")


def test_random_forest_round_trip_predicts_the_same(tmp_path: Path, table: pa.Table,
                                                    contract: DataContract) -> None:
    forest = train_model(table, contract, model_type="random_forest", params={"n_estimators": 10})
    save_model(forest.estimator, tmp_path / "forest.skops")
    np.testing.assert_array_equal(load_model(tmp_path / "forest.skops").predict(forest.test.x),
                                  forest.estimator.predict(forest.test.x))


def _malicious_pipeline() -> Pipeline:
    return Pipeline([("shell", FunctionTransformer(os.system)), ("model", LogisticRegression())])


@pytest.mark.control("signed-provenance")
def test_skops_file_with_untrusted_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.skops"
    sio.dump(_malicious_pipeline(), path)  # written by someone else's tool, not save_model
    with pytest.raises(IntegrityError, match=r"evil\.skops: it names types outside the "
                                             r"allow-list: posix\.system"):
        load_model(path)


def test_save_refuses_a_model_that_load_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"outside the allow-list: posix\.system"):
        save_model(_malicious_pipeline(), tmp_path / "evil.skops")
    assert not (tmp_path / "evil.skops").exists()


def test_file_that_is_not_a_skops_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.skops").write_bytes(b"\x80\x04 a pickle, perhaps")
    with pytest.raises(IntegrityError, match="not a valid skops model file"):
        load_model(tmp_path / "model.skops")


def test_forest_with_out_of_range_tree_nodes_is_refused(tmp_path: Path, table: pa.Table,
                                                        contract: DataContract) -> None:
    forest = train_model(table, contract, model_type="random_forest", params={"n_estimators": 2})
    save_model(forest.estimator, tmp_path / "forest.skops")
    tampered = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "forest.skops") as source, \
            zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.endswith(".npy"):
                array = np.load(io.BytesIO(data), allow_pickle=False)
                if array.dtype.names and "left_child" in array.dtype.names:
                    array["left_child"][0] = 10**9  # a crafted file: predict() would read far away
                    buffer = io.BytesIO()
                    np.save(buffer, array, allow_pickle=False)
                    data = buffer.getvalue()
            target.writestr(item, data)
    (tmp_path / "forest.skops").write_bytes(tampered.getvalue())
    with pytest.raises(IntegrityError, match="out-of-range node or feature indices"):
        load_model(tmp_path / "forest.skops")
