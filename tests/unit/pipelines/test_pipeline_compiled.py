"""The compiled pipeline a data scientist uploads: current, secret-free, hardened."""

from __future__ import annotations

import inspect
import re

import pytest
import yaml
from kfp import compiler
from kfp.dsl.python_component import PythonComponent

from pipelines.platform import VAULT_CA_CONFIGMAP, VAULT_CA_DIR
from pipelines.secure_pipeline import build_pipeline
from secure_mlops.config import PIPELINE_SERVICE_ACCOUNT
from secure_mlops.deploy.release_images import pinned_images, release_file
from tests.support.paths import COMPILED_PIPELINE, ROOT


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


@pytest.mark.control("hardened-runtime")
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


@pytest.mark.control("redaction")
def test_compiled_yaml_holds_no_secret(compiled: str) -> None:
    assert not re.search(r"\b(hvs|hvb|hvr|s)\.[A-Za-z0-9]{20,}", compiled)  # Vault tokens
    assert not re.search(r"\bAKIA[0-9A-Z]{16}\b", compiled)  # AWS access key ids
    assert "VAULT_TOKEN" not in compiled and "SECRET_ACCESS_KEY" not in compiled
    assert "BEGIN PRIVATE KEY" not in compiled
    env_names = re.findall(r"- name: ([A-Z_]+)\n\s+value:", compiled)
    assert env_names and not [n for n in env_names if re.search("TOKEN|SECRET|PASSWORD", n)]


def test_vault_is_reached_over_tls_checked_against_the_mounted_ca(compiled: str) -> None:
    assert "value: https://vault" in compiled and "value: http://vault" not in compiled
    assert "value: kubernetes" in compiled
    platform = list(yaml.safe_load_all(compiled))[1]
    for name, config in platform["platforms"]["kubernetes"]["deploymentSpec"]["executors"].items():
        mount = next(m for m in config["configMapAsVolume"] if m["configMapName"] == VAULT_CA_CONFIGMAP)
        assert mount["mountPath"] == VAULT_CA_DIR, name
        assert mount.get("optional", False) is False, name  # no CA, no start: never an unverified login
    executors = yaml.safe_load(compiled.split("\n---\n")[0])["deploymentSpec"]["executors"]
    for name, executor in executors.items():
        env = {e["name"]: e["value"] for e in executor["container"]["env"]}
        assert env["VAULT_CACERT"] == f"{VAULT_CA_DIR}/ca.crt", name


def test_the_vault_address_is_set_at_compile_time(tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("compiled") / "p.yaml"
    compiler.Compiler().compile(build_pipeline(cluster=True, vault_addr="https://vault.example.com:8200"), str(path))
    text = path.read_text()
    executors = next(yaml.safe_load_all(text))["deploymentSpec"]["executors"]
    assert text.count("value: https://vault.example.com:8200") == len(executors) >= 9


def test_every_task_runs_the_release_files_step_image_and_installs_nothing(compiled: str) -> None:
    executors = yaml.safe_load(compiled.split("\n---\n")[0])["deploymentSpec"]["executors"]
    pinned = pinned_images(release_file(ROOT))["secure-mlops-pipeline"]
    assert {e["container"]["image"] for e in executors.values()} == {pinned}
    assert "pip install" not in compiled and "pip3 install" not in compiled


def test_the_deploy_steps_default_image_is_the_release_files_inference_repository(compiled: str) -> None:
    pipeline = yaml.safe_load(compiled.split("\n---\n")[0])
    default = pipeline["root"]["inputDefinitions"]["parameters"]["inference_image"]["defaultValue"]
    assert default == pinned_images(release_file(ROOT))["secure-mlops-inference"].partition("@")[0]


def test_the_description_shown_in_the_kfp_ui_names_the_service_account(compiled: str) -> None:
    pipeline = yaml.safe_load(compiled.split("\n---\n")[0])
    assert PIPELINE_SERVICE_ACCOUNT in pipeline["pipelineInfo"]["description"]



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
