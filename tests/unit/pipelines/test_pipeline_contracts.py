"""Contracts reach the steps without a new image: the compiled pipeline mounts the optional
`secure-mlops-contracts` ConfigMap at /contracts, and every step reads contract_path through
`contract_file` (which also takes s3://)."""

from __future__ import annotations

import inspect

import pytest
import yaml
from kfp import compiler

from pipelines.components import data, model, release
from pipelines.platform import CONTRACTS_CONFIGMAP, CONTRACTS_DIR
from pipelines.secure_pipeline import build_pipeline
from tests.support.paths import COMPILED_PIPELINE


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    path = tmp_path_factory.mktemp("compiled") / "p.yaml"
    compiler.Compiler().compile(build_pipeline(cluster=True), str(path))
    return list(yaml.safe_load_all(path.read_text()))[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]


def test_every_step_mounts_the_contracts_config_map_optionally(platform: dict[str, dict]) -> None:
    assert platform
    for name, config in platform.items():
        mounts = {m["configMapName"]: m for m in config["configMapAsVolume"]}
        contracts = mounts[CONTRACTS_CONFIGMAP]
        assert (contracts["mountPath"], contracts["optional"]) == (CONTRACTS_DIR, True), name


def test_the_committed_pipeline_mounts_it_too() -> None:
    assert f"configMapName: {CONTRACTS_CONFIGMAP}" in COMPILED_PIPELINE.read_text()


@pytest.mark.parametrize("component", [data.minimize_shard, data.validate_shard, data.publish_dataset, model.train,
                                       model.privacy_audit, release.package])
def test_each_contract_reading_step_goes_through_contract_file(component: object) -> None:
    source = inspect.getsource(component.python_func)  # type: ignore[attr-defined]
    assert "contract_file(contract_path, get_settings()) as contract" in source
    assert "Path(contract_path)" not in source


def test_the_privacy_audit_passes_the_datasets_k_achieved() -> None:
    assert 'k_achieved=int(dataset.metadata.get("k_achieved")' in inspect.getsource(model.privacy_audit.python_func)
