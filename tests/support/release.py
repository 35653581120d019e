"""What a release is made of, for tests: a service folder staged as a bento build stages it (the
service, plus the data contract and a training profile under release/), the serving schema
derived from them, a small fake bento, and a provenance manifest signed in memory (or, with
`write_signed_release`, a whole release on disk signed by any signer, OpenBao's included).

The fixtures at the end (`signer`, `model_file`, `bento_dir`, `manifest`) are shared by the
packaging, deploy and step tests: their conftest files import them from here.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pytest
import yaml

from secure_mlops.digest import file_sha256
from secure_mlops.packaging import bento_digest, build_manifest, sign_manifest, write_signed_manifest
from secure_mlops.packaging.layout import CONTRACT_FILE, PROFILE_FILE, RELEASE_DIR
from secure_mlops.privacy import load_contract
from secure_mlops.serving.schema import ServingSchema, build_schema
from secure_mlops.training import feature_columns
from secure_mlops.validation import profile_dataset
from tests.support.fakes import InMemorySigner
from tests.support.paths import PATIENTS, SERVICE_DIR

if TYPE_CHECKING:
    from secure_mlops.vault.signing import Signer

MODEL_TAG = "secure-mlops-model:abc123def456"
BENTO_TAG = "secure-mlops-inference:xyz789uvw012"
# A record of the patients contract's features, inside every range the contract and the profile allow.
VALID = {"mean_radius": 14.2, "mean_texture": 19.3, "mean_perimeter": 92.1, "mean_area": 655.0,
         "mean_smoothness": 0.096}


def training_table(contract_path: Path, rows: int = 200, seed: int = 0) -> pa.Table:
    """The demo's patients for the patients contract; for another, its features uniform in [5, 95]
    and its label's classes in turn."""
    if Path(contract_path) == PATIENTS:
        from secure_mlops.demo_data import generate_patients

        return generate_patients(rows, seed=seed + 1)
    contract = load_contract(contract_path)
    features, label = feature_columns(contract)
    rng = np.random.default_rng(seed)
    columns = {name: rng.uniform(5, 95, rows) for name in features}
    classes = next(c.allowed_values for c in contract.columns if c.name == label) or ["yes", "no"]
    columns[label] = [str(classes[i % len(classes)]) for i in range(rows)]
    return pa.table(columns)


def stage_service(dest: Path, contract_path: Path = PATIENTS, table: pa.Table | None = None) -> Path:
    """`dest` holding service.py and release/{contract.yaml, profile.json}; returns `dest`."""
    shutil.copytree(SERVICE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    release = dest / RELEASE_DIR
    release.mkdir()
    shutil.copyfile(contract_path, release / CONTRACT_FILE)
    table = table if table is not None else training_table(contract_path)
    profile = profile_dataset(table, load_contract(contract_path))
    (release / PROFILE_FILE).write_text(profile.model_dump_json(), encoding="utf-8")
    return dest


def serving_schema(contract_path: Path = PATIENTS, *, with_score: bool = True, max_batch: int = 3) -> ServingSchema:
    """The request and response models a bento of this contract serves (profile: `training_table`)."""
    contract = load_contract(contract_path)
    profile = profile_dataset(training_table(contract_path), contract)
    return build_schema(contract, profile, classes=["malignant", "benign"], max_batch=max_batch,
                        with_score=with_score)


def make_bento_dir(root: Path, *, tag: str = BENTO_TAG, model_tag: str = MODEL_TAG) -> Path:
    """A directory shaped like a built bento: bento.yaml naming one model, and a source file."""
    name, version = tag.split(":")
    path = root / name / version
    (path / "src").mkdir(parents=True)
    info = {"name": name, "version": version, "models": [],
            "services": [{"name": "InferenceService", "models": [{"tag": model_tag}]}]}
    (path / "bento.yaml").write_text(yaml.safe_dump(info))
    (path / "src" / "service.py").write_text("# the service\n")
    return path


def manifest_fields(*, model_digest: str, bento_dir_digest: str) -> dict[str, Any]:
    return dict(
        data_digest="sha256:" + "1" * 64,
        contract_name="patients",
        contract_version="1.0.0",
        contract_digest="2" * 64,
        model_tag=MODEL_TAG,
        model_digest=model_digest,
        bento_tag=BENTO_TAG,
        bento_digest=bento_dir_digest,
        keys={"data": ("secure-mlops-data", 2), "pseudonym": ("secure-mlops-pseudonym", 1),
              "signing": ("secure-mlops-signing", 1)},
        run_id="run-20261122-0001",
        triggered_by="system:serviceaccount:kubeflow:pipeline-runner",
        metrics={"accuracy": 0.93, "roc_auc": 0.97},
        privacy={"k_anonymity": 5, "membership_advantage": 0.02},
    )


@dataclass(frozen=True)
class SignedRelease:
    """A release on disk as `secure-mlops deploy` takes it."""

    manifest: Path
    """provenance.json, signed."""
    model_file: Path
    bento_dir: Path


def write_signed_release(root: Path, signer: Signer, *, tag: str = BENTO_TAG, sequence: int | None = None) -> SignedRelease:
    """A small fake bento of `tag`, a model file of its own, and a manifest of both, signed by
    `signer` under its latest key version (the version the manifest records), all under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    model_file = root / "model.skops"
    model_file.write_bytes(b"PK\x03\x04 only its digest matters here: " + tag.encode())
    bento_dir = make_bento_dir(root / "bentos", tag=tag)
    fields = manifest_fields(model_digest=file_sha256(model_file), bento_dir_digest=bento_digest(bento_dir))
    keys = {**fields["keys"], "signing": (signer.key_name, signer.latest_version())}
    manifest = build_manifest(**{**fields, "bento_tag": tag, "keys": keys}, sequence=sequence)
    path = write_signed_manifest(sign_manifest(manifest, signer), root / "provenance.json")
    return SignedRelease(path, model_file, bento_dir)


@pytest.fixture
def signer() -> InMemorySigner:
    return InMemorySigner()


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.skops"
    path.write_bytes(b"PK\x03\x04 not really a zip, only its digest matters here")
    return path


@pytest.fixture
def bento_dir(tmp_path: Path) -> Path:
    return make_bento_dir(tmp_path / "bentos")


@pytest.fixture
def manifest(model_file: Path, bento_dir: Path) -> dict[str, Any]:
    return build_manifest(**manifest_fields(model_digest=file_sha256(model_file),
                                            bento_dir_digest=bento_digest(bento_dir)))
