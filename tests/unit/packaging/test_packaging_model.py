"""package_model's checks, which run before BentoML's store is touched (the store itself is
exercised in tests/integration/test_packaging_vault.py)."""

from __future__ import annotations

import pytest

from secure_mlops.errors import InputError
from secure_mlops.packaging import package_model


@pytest.fixture(autouse=True)
def _bentoml_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BENTOML_HOME", str(tmp_path / "bentoml"))


def _call(model_file, **overrides):
    kwargs = {"name": "secure-mlops-model", "metadata": {"contract_version": "1.0.0"},
              "labels": {"contract": "patients"}, **overrides}
    return package_model(model_file, **kwargs)


@pytest.mark.control("signed-provenance")
def test_a_pickle_file_is_refused(tmp_path):
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"\x80\x04\x95")

    with pytest.raises(InputError, match=r"not a \.skops file") as caught:
        _call(pickled)
    assert "pickle" in str(caught.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        _call(tmp_path / "absent.skops")


@pytest.mark.parametrize(
    "overrides",
    [
        {"metadata": {"trained_by": "alice@example.org"}},
        {"metadata": {"converged": True}},
        {"metadata": {"auc": float("nan")}},
        {"labels": {"owner": "hvs.CAESIJ2kd8s7s6s5s4s3s2s1s0sZ"}},
    ],
    ids=["email", "bool", "nan", "token-label"],
)
def test_metadata_with_personal_data_secrets_or_odd_values_is_refused(tmp_path, overrides):
    model_file = tmp_path / "model.skops"
    model_file.write_bytes(b"PK")

    with pytest.raises(InputError):
        _call(model_file, **overrides)
    assert not (tmp_path / "bentoml").exists()  # refused before the store was touched
