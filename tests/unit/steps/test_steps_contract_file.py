"""Where a step finds its data contract: a local path (the image, a ConfigMap mount) as it is;
s3:// objects are downloaded into scratch (tests/integration/test_contract_s3.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.config import Settings
from secure_mlops.errors import InputError
from secure_mlops.privacy import load_contract
from secure_mlops.steps.sources import contract_file
from tests.support.paths import PATIENTS


def test_a_local_path_is_used_in_place_and_nothing_is_copied(settings: Settings) -> None:
    with contract_file(str(PATIENTS), settings) as path:
        assert path == PATIENTS
        assert load_contract(path).name == "patients"
    assert list(settings.scratch_dir.iterdir()) == []


def test_an_s3_uri_without_an_object_key_is_refused(settings: Settings) -> None:
    for uri in ("s3://lake", "s3://lake/contracts/"):
        with pytest.raises(InputError, match="names no object"), contract_file(uri, settings):
            pass


def test_a_config_map_mount_path_is_a_local_path(settings: Settings, tmp_path: Path) -> None:
    mounted = tmp_path / "contracts" / "patients.yaml"  # what /contracts/<key> looks like in a pod
    mounted.parent.mkdir()
    mounted.write_bytes(PATIENTS.read_bytes())
    with contract_file(str(mounted), settings) as path:
        assert load_contract(path).digest() == load_contract(PATIENTS).digest()
