"""The compiled pipeline a data scientist uploads: current, secret-free, hardened."""

from __future__ import annotations

import inspect
import re

import pytest
import yaml
from kfp import compiler
from kfp.dsl.python_component import PythonComponent

from pipelines.secure_pipeline import build_pipeline
from tests.support.paths import COMPILED_PIPELINE


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("compiled") / "p.yaml"
    compiler.Compiler().compile(build_pipeline(cluster=True), str(path))
    return path.read_text()


def test_committed_yaml_is_up_to_date(compiled: str) -> None:
    assert COMPILED_PIPELINE.read_text() == compiled, "run `secure-mlops compile` and commit the result"


def test_every_parameter_has_a_default_and_a_description(compiled: str) -> None:
    spec = next(yaml.safe_load_all(compiled))
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert len(parameters) >= 8
    for name, definition in parameters.items():
        assert "defaultValue" in definition, name
        assert definition.get("description"), name


def test_every_task_runs_non_root_with_scratch_label_and_timeout(compiled: str) -> None:
    spec, platform = list(yaml.safe_load_all(compiled))
    executors = spec["deploymentSpec"]["executors"]
    configs = platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert set(configs) == set(executors)
    for name, config in configs.items():
        assert config["securityContext"]["runAsNonRoot"] is True, name
        assert int(config["securityContext"]["runAsUser"]) > 0, name
        assert "secure-mlops/data-classification" in config["podMetadata"]["labels"], name
        assert int(config["activeDeadlineSeconds"]) > 0, name
        assert config["emptyDirMounts"][0]["medium"] == "Memory", name


def test_compiled_yaml_holds_no_secret(compiled: str) -> None:
    assert not re.search(r"\b(hvs|hvb|hvr|s)\.[A-Za-z0-9]{20,}", compiled)  # Vault tokens
    assert not re.search(r"\bAKIA[0-9A-Z]{16}\b", compiled)  # AWS access key ids
    assert "VAULT_TOKEN" not in compiled and "SECRET_ACCESS_KEY" not in compiled
    assert "BEGIN PRIVATE KEY" not in compiled
    env_names = re.findall(r"- name: ([A-Z_]+)\n\s+value:", compiled)
    assert env_names and not [n for n in env_names if re.search("TOKEN|SECRET|PASSWORD", n)]


def test_vault_is_reached_over_tls_with_kubernetes_auth(compiled: str) -> None:
    assert "value: https://vault" in compiled and "value: http://vault" not in compiled
    assert "value: kubernetes" in compiled



def test_every_component_is_named_after_the_step_it_calls() -> None:
    from pipelines.components import data, model, release
    from secure_mlops import steps

    components = {
        name: value
        for module in (data, model, release)
        for name, value in vars(module).items()
        if isinstance(value, PythonComponent)
    }
    assert set(components) == set(steps.__all__) - {"FAILURE_MARKER", "step_errors"}
    for name, component in components.items():
        assert f"steps.{name}(" in inspect.getsource(component.python_func), name
