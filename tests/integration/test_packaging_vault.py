"""Packaging against real servers: manifests signed by OpenBao Transit, and a real BentoML
model store and bento build (offline) holding a skops model and no pickle."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path

import hvac
import numpy as np
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from secure_mlops.config import Settings
from secure_mlops.deploy import deploy
from secure_mlops.digest import canonical_json
from secure_mlops.errors import ConfigError, InputError, IntegrityError
from secure_mlops.packaging import (
    BuiltBento,
    PackagedModel,
    bento_sbom,
    build_bento,
    build_manifest,
    describe_sbom,
    lock_sbom,
    package_model,
    sign_manifest,
    use_bentoml_home,
    verify_manifest,
    write_signed_manifest,
)
from secure_mlops.packaging.layout import MODEL_FILENAME
from secure_mlops.privacy import load_contract
from secure_mlops.training import save_model
from secure_mlops.validation import profile_dataset
from secure_mlops.vault import TransitSigner, connect
from tests.support.cli import run_cli
from tests.support.paths import PATIENTS, ROOT
from tests.support.policies import policy_token
from tests.support.release import training_table

pytestmark = pytest.mark.integration

PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")


@pytest.fixture(scope="module")
def transit_signer(vault_settings: Settings) -> TransitSigner:
    return TransitSigner(connect(vault_settings), key_name=vault_settings.signing_key_name,
                         mount=vault_settings.transit_mount)


@pytest.fixture(scope="module")
def bentoml_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # BentoML fixes its home on first use in a process; this module is the only user in tests.
    home = tmp_path_factory.mktemp("bentoml")
    previous = os.environ.get("BENTOML_HOME")
    os.environ["BENTOML_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("BENTOML_HOME", None)
    else:
        os.environ["BENTOML_HOME"] = previous


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(3)
    estimator = LogisticRegression().fit(rng.random((50, 5)),
                                         np.array(["malignant", "benign"] * 25))
    path = tmp_path_factory.mktemp("model") / "model.skops"
    save_model(estimator, path)
    return path


@pytest.fixture(scope="module")
def packaged(bentoml_home: Path, model_file: Path) -> PackagedModel:
    return package_model(model_file, name="secure-mlops-model",
                         metadata={"contract_version": "1.0.0", "accuracy": 0.91, "rows": 50},
                         labels={"contract": "patients"})


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    profile = profile_dataset(training_table(PATIENTS), load_contract(PATIENTS))
    path = tmp_path_factory.mktemp("profile") / "profile.json"
    path.write_text(profile.model_dump_json())
    return path


@pytest.fixture(scope="module")
def bento(packaged: PackagedModel, profile_file: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltBento:
    sbom_file = tmp_path_factory.mktemp("sbom") / "sbom.cdx.json"
    sbom_file.write_bytes(lock_sbom(ROOT / "requirements" / "inference.lock"))
    return build_bento("secure-mlops-model:latest", contract_file=PATIENTS, profile_file=profile_file,
                       sbom_file=sbom_file)


def _manifest(packaged: PackagedModel, bento: BuiltBento, signer: TransitSigner) -> dict:
    return build_manifest(
        data_digest="sha256:" + "1" * 64, contract_name="patients", contract_version="1.0.0",
        contract_digest="2" * 64, model_tag=packaged.tag, model_digest=packaged.digest, bento_tag=bento.tag,
        bento_digest=bento.digest,
        keys={"data": ("secure-mlops-data", 1), "signing": (signer.key_name, signer.latest_version())},
        run_id="integration-run-1", triggered_by="pytest",
        metrics={"accuracy": 0.91}, privacy={"k_anonymity": 5, "membership_advantage": 0.01},
        sbom=describe_sbom(bento_sbom(bento.path)),
    )


@pytest.fixture(scope="module")
def manifest(packaged: PackagedModel, bento: BuiltBento, transit_signer: TransitSigner) -> dict:
    return _manifest(packaged, bento, transit_signer)


def test_transit_signature_verifies(manifest, transit_signer, model_file, bento):
    signed = sign_manifest(manifest, transit_signer)

    assert signed.signature.startswith("vault:v1:")
    verify_manifest(signed, transit_signer, model_file=model_file, bento_dir=bento.path)


def test_tampered_manifest_fails_transit_verification(manifest, transit_signer):
    signed = sign_manifest(manifest, transit_signer)
    forged = {**signed.manifest, "bento": {**signed.manifest["bento"], "tag": "evil:v1"}}

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(dataclasses.replace(signed, manifest=forged), transit_signer)


def test_signature_by_another_transit_key_fails(manifest, transit_signer, vault_root: hvac.Client,
                                                vault_settings: Settings):
    vault_root.secrets.transit.create_key("other-signing", key_type="ed25519")
    impostor = TransitSigner(connect(vault_settings), key_name="other-signing")
    # The impostor signs the very body the real key would, and the envelope names the real key.
    forged = dataclasses.replace(sign_manifest(manifest, transit_signer),
                                 signature=impostor.sign(canonical_json(manifest), key_version=1))

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(forged, transit_signer)


def test_model_is_stored_as_skops_without_pickle(packaged, model_file):
    assert sorted(p.name for p in packaged.path.iterdir()) == [MODEL_FILENAME, "model.yaml"]
    assert (packaged.path / MODEL_FILENAME).read_bytes() == model_file.read_bytes()
    info = yaml.safe_load((packaged.path / "model.yaml").read_text())
    assert info["metadata"]["model_sha256"] == packaged.digest
    assert info["metadata"]["model_format"] == "skops"


def test_bento_and_model_are_readable_by_the_image_user_and_hold_no_pickle(bento, packaged, bentoml_home, tmp_path):
    import bentoml

    assert bento.model_tag == packaged.tag
    files = [p for p in bento.path.rglob("*") if p.is_file()]
    # The image copies the bento and the model as root for uid 1034 to read.
    assert all(p.stat().st_mode & 0o004 for p in [*files, packaged.path / MODEL_FILENAME])
    assert not [p for p in files if p.name.endswith(PICKLE_SUFFIXES)]
    assert (bento.path / "src" / "service.py").is_file()
    assert (bento.path / "src" / "secure_mlops" / "serving" / "guard.py").is_file()
    assert (bento.path / "src" / "release" / "contract.yaml").is_file()
    requirements = (bento.path / "env" / "python" / "requirements.txt").read_text().split()
    assert "skops==0.16.0" in requirements and "bentoml==1.4.39" in requirements

    # The exported bento is what `bentoml containerize` turns into the image: it carries the model.
    exported = bentoml.bentos.export_bento(bento.tag, str(tmp_path / "inference.bento"))
    with tarfile.open(exported) as archive:
        names = archive.getnames()
    model_dir = f"models/secure-mlops-model/{packaged.tag.split(':')[1]}/"
    assert any(n.endswith(model_dir + MODEL_FILENAME) for n in names)
    assert not [n for n in names if n.endswith(PICKLE_SUFFIXES)]


@pytest.mark.control("signed-provenance")
def test_signed_release_deploys_and_a_swapped_model_does_not(manifest, transit_signer, model_file,
                                                             bento, packaged, tmp_path):
    signed_path = write_signed_manifest(sign_manifest(manifest, transit_signer),
                                        tmp_path / "provenance.json")
    image = "registry.example/ml/inference:1.0.0"

    result = deploy(signed_path, signer=transit_signer, model_file=model_file, bento_dir=bento.path,
                    image=image, out_dir=tmp_path / "release", apply=False)

    assert result.model_tag == packaged.tag and result.bento_tag == bento.tag
    assert f"value: {packaged.tag}" in result.manifests.read_text()

    other = tmp_path / "other.skops"
    other.write_bytes(model_file.read_bytes() + b"\x00")
    with pytest.raises(IntegrityError, match="model file digest"):
        deploy(signed_path, signer=transit_signer, model_file=other, bento_dir=bento.path,
               image=image, out_dir=tmp_path / "refused", apply=False)
    assert not (tmp_path / "refused").exists()


def test_a_manifest_is_signed_by_the_key_version_it_records_even_after_a_rotation(
        packaged, bento, vault_root: hvac.Client, vault_settings: Settings):
    vault_root.secrets.transit.create_key("rotating-signing", key_type="ed25519")
    signer = TransitSigner(connect(vault_settings), key_name="rotating-signing")
    manifest = _manifest(packaged, bento, signer)
    assert manifest["keys"]["signing"] == {"name": "rotating-signing", "version": 1}
    vault_root.secrets.transit.rotate_key("rotating-signing")

    signed = sign_manifest(manifest, signer)

    assert signer.latest_version() == 2 and signed.signature.startswith("vault:v1:")
    verify_manifest(signed, signer)


def test_signature_naming_a_key_version_vault_lacks_is_an_integrity_error(manifest, transit_signer):
    signed = sign_manifest(manifest, transit_signer)
    forged = signed.signature.replace("vault:v1:", "vault:v9:")

    with pytest.raises(IntegrityError, match="manifest signature does not verify"):
        verify_manifest(dataclasses.replace(signed, signature=forged), transit_signer)


def test_building_a_bento_for_a_model_not_in_the_store_is_an_input_error(bento):
    with pytest.raises(InputError, match="not in the BentoML store"):
        build_bento("no-such-model:latest", contract_file=PATIENTS, profile_file=PATIENTS)


def test_an_invalid_model_name_is_an_input_error(packaged, model_file):
    with pytest.raises(InputError, match="cannot store model"):
        package_model(model_file, name="Not A Valid Name!", metadata={}, labels={})


def test_changing_bentoml_home_after_first_use_is_a_config_error(packaged, tmp_path, monkeypatch):
    monkeypatch.setenv("BENTOML_HOME", str(tmp_path / "elsewhere"))

    with pytest.raises(ConfigError, match="BentoML already uses"):
        use_bentoml_home()


@pytest.fixture()
def auditor_env(cli_env: dict[str, str], vault_root: hvac.Client) -> dict[str, str]:
    """The CLI's environment with a token of the auditor's policy only: verifying needs no more."""
    return {**cli_env, "VAULT_TOKEN": policy_token(vault_root, "secure-mlops-auditor")}


@pytest.mark.control("signed-provenance")
def test_verify_names_each_check_that_passed(manifest, transit_signer, model_file, bento, auditor_env, tmp_path):
    signed_path = write_signed_manifest(sign_manifest(manifest, transit_signer), tmp_path / "provenance.json")

    result = run_cli("verify", signed_path, "--bento", bento.path, "--model", model_file, env=auditor_env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"signature: ok (key {transit_signer.key_name}, v1)",
        f"model digest: ok ({model_file})",
        f"bento digest: ok ({bento.path})",
        f"sbom digest: ok ({manifest['sbom']['digest']})",
        f"verified {signed_path}",
    ]


@pytest.mark.control("signed-provenance")
def test_verify_exits_6_naming_the_check_a_tampered_release_fails(manifest, transit_signer, model_file, bento,
                                                                  auditor_env, tmp_path):
    signed = sign_manifest(manifest, transit_signer)
    signed_path = write_signed_manifest(signed, tmp_path / "provenance.json")
    forged_path = write_signed_manifest(
        dataclasses.replace(signed, manifest={**signed.manifest, "bento": {**signed.manifest["bento"], "tag": "evil:v1"}}),
        tmp_path / "forged.json",
    )
    other_model = tmp_path / "other.skops"
    other_model.write_bytes(model_file.read_bytes() + b"\x00")
    garbled = tmp_path / "garbled.json"
    garbled.write_text(signed_path.read_text(encoding="utf-8")[:-20], encoding="utf-8")

    cases = {
        "manifest signature does not verify": (forged_path, "--model", model_file),
        "model file digest does not match the signed manifest": (signed_path, "--model", other_model),
        "is not valid JSON": (garbled,),
    }
    for message, args in cases.items():
        result = run_cli("verify", *args, env=auditor_env)
        assert result.returncode == 6, (message, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""  # no check is claimed when one failed


@pytest.mark.control("signed-provenance")
def test_verify_refuses_a_bento_changed_after_signing(manifest, transit_signer, bento, auditor_env, tmp_path):
    signed_path = write_signed_manifest(sign_manifest(manifest, transit_signer), tmp_path / "provenance.json")
    changed = tmp_path / "bento"
    shutil.copytree(bento.path, changed)
    with (changed / "src" / "service.py").open("a", encoding="utf-8") as service:
        service.write("\n# one more line\n")

    result = run_cli("verify", signed_path, "--bento", changed, env=auditor_env)

    assert result.returncode == 6
    assert "bento digest does not match the signed manifest" in result.stderr
