"""Key material must not leak through pickling, copies, repr or a wiped key's reuse."""

from __future__ import annotations

import copy
import pickle

import pytest

from secure_mlops.crypto import DataKey, WrappedKey


def test_data_key_refuses_pickle_and_hides_repr():
    material = bytes(range(1, 33))
    key = DataKey(material)

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(key)
    with pytest.raises(TypeError, match="cannot be copied"):
        copy.copy(key)
    with pytest.raises(TypeError, match="cannot be copied"):
        copy.deepcopy(key)
    for shown in (repr(key), str(key), f"{key}", repr([key])):
        assert "redacted" in shown
        assert material.hex() not in shown and str(material) not in shown


def test_wiped_data_key_refuses_use():
    key = DataKey(bytes(range(1, 33)))

    key.wipe()

    with pytest.raises(ValueError, match="wiped"):
        _ = key.material


def test_wrapped_key_accepts_only_vault_ciphertext():
    assert WrappedKey("datasets", "vault:v12:QUJD").version == 12
    with pytest.raises(ValueError):
        WrappedKey("datasets", "v1:QUJD")
