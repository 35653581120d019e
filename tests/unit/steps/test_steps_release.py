"""The release steps: package a signed bento, then deploy it (verify, render; never apply here).

BentoML fixes its model store for the life of a process on first use, so the package step runs
in a subprocess of its own with a store in tmp_path; its signer is the in-memory double, seeded
so that this process can verify what it signed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from secure_mlops.config import Settings
from secure_mlops.digest import file_sha256
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import bento_info, load_signed_manifest, sign_manifest, verify_manifest, write_signed_manifest
from secure_mlops.packaging.layout import CONTRACT_FILE, PROFILE_FILE, RELEASE_DIR, SBOM_FILE
from secure_mlops.privacy import load_contract
from secure_mlops.steps.release import deploy
from secure_mlops.training import save_model
from secure_mlops.validation import profile_dataset
from tests.support.cli import clean_env
from tests.support.fakes import FakeVault, InMemorySigner
from tests.support.paths import PATIENTS, ROOT
from tests.support.release import BENTO_TAG, MODEL_TAG, training_table

SIGNING_SEED = bytes(range(32))
PINNED_IMAGE = "registry.example/ml/inference@sha256:" + "ab" * 32
PACKAGE = """
import dataclasses, json, sys
from pathlib import Path

import secure_mlops.vault
from secure_mlops.config import Settings
from tests.support.fakes import InMemorySigner

args = json.loads(sys.argv[1])
signer = InMemorySigner(seed=bytes.fromhex(args.pop("seed")))
secure_mlops.vault.manifest_signer = lambda settings=None: signer
from secure_mlops.steps.release import package

settings = Settings(state_dir=Path(args.pop("state")), vault_addr="http://127.0.0.1:9")
paths = [Path(args.pop(name)) for name in ("model", "contract", "profile", "bento", "manifest")]
print(json.dumps(dataclasses.asdict(package(*paths, **args, settings=settings))))
"""


def test_package_builds_a_bento_carrying_the_release_files_and_a_verifiable_signed_manifest(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    model = tmp_path / "model"  # KFP names the artifact file after the output, without a suffix
    save_model(LogisticRegression().fit(rng.random((50, 5)), np.array(["malignant", "benign"] * 25)), model)
    profile = tmp_path / "profile.json"
    profile.write_text(profile_dataset(training_table(PATIENTS), load_contract(PATIENTS)).model_dump_json())
    args = {"seed": SIGNING_SEED.hex(), "state": str(tmp_path / "state"), "model": str(model),
            "contract": str(PATIENTS), "profile": str(profile), "bento": str(tmp_path / "bento"),
            "manifest": str(tmp_path / "manifest"), "data_digest": "sha256:" + "1" * 64, "data_key_version": 3,
            "pseudonym_key_version": 4, "inference_image": PINNED_IMAGE,
            "metrics": {"accuracy": 0.93}, "privacy": {"membership_advantage": 0.02}, "run_id": "run-1",
            "triggered_by": "pytest"}

    done = subprocess.run([sys.executable, "-c", PACKAGE, json.dumps(args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=clean_env(BENTOML_HOME=str(tmp_path / "bentoml")))

    assert done.returncode == 0, done.stderr[-3000:]
    packaged = json.loads(done.stdout.splitlines()[-1])
    bento = tmp_path / "bento"
    assert bento_info(bento) == (packaged["bento_tag"], packaged["model_tag"])
    signed = load_signed_manifest(tmp_path / "manifest")
    verify_manifest(signed, InMemorySigner(seed=SIGNING_SEED), model_file=model, bento_dir=bento)
    assert signed.manifest["bento"]["digest"] == packaged["bento_digest"]
    assert signed.manifest["model"]["digest"] == packaged["model_digest"]
    assert signed.manifest["keys"] == {"data": {"name": "secure-mlops-data", "version": 3},
                                       "pseudonym": {"name": "secure-mlops-pseudonym", "version": 4},
                                       "signing": {"name": "secure-mlops-signing", "version": 1}}
    assert signed.manifest["release"]["image"] == PINNED_IMAGE and signed.manifest["release"]["sequence"] > 0
    release = bento / "src" / RELEASE_DIR
    assert (release / CONTRACT_FILE).read_bytes() == PATIENTS.read_bytes() and (release / PROFILE_FILE).is_file()
    assert signed.manifest["sbom"]["digest"] == packaged["sbom_digest"] == file_sha256(release / SBOM_FILE)
    # The model travels inside the bento artifact, the very file the manifest vouches for: an
    # inference image is built from this folder alone.
    name, _, version = packaged["model_tag"].partition(":")
    stored = bento / "models" / name / version / "model.skops"
    assert stored.read_bytes() == model.read_bytes()


@pytest.fixture
def signed_release(tmp_path: Path, vault: FakeVault, manifest: dict) -> Path:
    return write_signed_manifest(sign_manifest(manifest, vault.signer), tmp_path / "provenance.json")


def _deployed_images(manifests: Path) -> set[str]:
    return {c["image"] for d in yaml.safe_load_all(manifests.read_text()) if d and d["kind"] == "Deployment"
            for c in d["spec"]["template"]["spec"]["containers"]}


def test_deploy_verifies_with_vaults_signer_and_tags_the_image_with_the_bentos_version(
        tmp_path: Path, settings: Settings, signed_release: Path, model_file: Path, bento_dir: Path) -> None:
    result = deploy(signed_release, model_file, bento_dir, tmp_path / "out", inference_image="registry.example/ml/inference/",
                    apply=False, settings=settings)

    assert (result.bento_tag, result.model_tag, result.applied) == (BENTO_TAG, MODEL_TAG, ())
    assert _deployed_images(result.manifests) == {f"registry.example/ml/inference:{BENTO_TAG.partition(':')[2]}"}


def test_deploy_renders_an_image_given_by_digest_as_it_is(
        tmp_path: Path, settings: Settings, signed_release: Path, model_file: Path, bento_dir: Path) -> None:
    image = "registry.example/ml/inference@sha256:" + "ab" * 32
    result = deploy(signed_release, model_file, bento_dir, tmp_path / "out", inference_image=image,
                    apply=False, settings=settings)
    assert _deployed_images(result.manifests) == {image}


def test_deploy_refuses_to_apply_an_image_by_tag_before_touching_anything(
        tmp_path: Path, settings: Settings, signed_release: Path, model_file: Path, bento_dir: Path) -> None:
    with pytest.raises(InputError, match="apply needs the inference image by digest"):
        deploy(signed_release, model_file, bento_dir, tmp_path / "out", inference_image="registry.example/ml/inference",
               apply=True, settings=settings)
    assert not (tmp_path / "out").exists()


def test_deploy_refuses_a_release_signed_by_another_key(
        tmp_path: Path, settings: Settings, manifest: dict, model_file: Path, bento_dir: Path) -> None:
    forged = write_signed_manifest(sign_manifest(manifest, InMemorySigner()), tmp_path / "provenance.json")

    with pytest.raises(IntegrityError):
        deploy(forged, model_file, bento_dir, tmp_path / "out", inference_image="registry.example/ml/inference",
               apply=False, settings=settings)
    assert not (tmp_path / "out").exists()


def test_deploy_refuses_to_apply_without_the_release_uri_that_records_the_sequence(
        tmp_path: Path, settings: Settings, signed_release: Path, model_file: Path, bento_dir: Path) -> None:
    with pytest.raises(InputError, match="release_uri"):
        deploy(signed_release, model_file, bento_dir, tmp_path / "out", inference_image=PINNED_IMAGE,
               apply=True, settings=settings)
    assert not (tmp_path / "out").exists()
