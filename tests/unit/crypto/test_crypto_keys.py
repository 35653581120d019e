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


# Vault itself accepts each of these for the same key (checked against OpenBao): a reader that
# accepted them too would let a header byte change without any check noticing.
@pytest.mark.parametrize(
    "ciphertext",
    [
        "vault:v1:QUJD\n",  # `$` of re.match lets a trailing newline through
        "vault:v01:QUJD",  # leading zero: the same version, another spelling
        "vault:v0:QUJD",  # Vault's versions start at 1
        "vault:v1:QUI",  # padding missing
        "vault:v1:QUJ=",  # nonzero padding bits: decodes to the same bytes as QUI=
        "vault:v1:",  # nothing wrapped
        "vault:v1:QU JD",
        " vault:v1:QUJD",
        "vault:v1:QUJD==",
    ],
)
def test_wrapped_key_accepts_only_the_canonical_form(ciphertext):
    with pytest.raises(ValueError):
        WrappedKey("datasets", ciphertext)


@pytest.mark.parametrize(
    "name",
    ["", "../../other-mount/decrypt/attacker", "a/b", "..", ".", ".hidden", "trailing.", "a..b", "key name",
     "ключ", "k\n"],
)
def test_wrapped_key_name_is_one_plain_path_segment(name):
    with pytest.raises(ValueError):
        WrappedKey(name, "vault:v1:QUJD")


def test_wrapped_key_accepts_transit_style_names():
    for name in ("secure-mlops-data", "team_a.datasets", "k", "K9"):
        assert WrappedKey(name, "vault:v3:QUI=").key_name == name
