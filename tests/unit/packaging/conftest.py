"""An in-memory stand-in for Vault Transit signing, a valid manifest, and a small fake bento."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from secure_mlops.packaging import bento_digest, build_manifest

_SIGNATURE = re.compile(r"vault:v(\d+):(.+)")
MODEL_TAG = "secure-mlops-model:abc123def456"
BENTO_TAG = "secure-mlops-inference:xyz789uvw012"


class InMemorySigner:
    """Behaves like a Transit ed25519 key: ``vault:v<N>:<base64>`` signatures, versioned keys."""

    def __init__(self, key_name: str = "secure-mlops-signing") -> None:
        self._key_name = key_name
        self._keys = {1: Ed25519PrivateKey.generate()}

    @property
    def key_name(self) -> str:
        return self._key_name

    def rotate(self) -> None:
        self._keys[max(self._keys) + 1] = Ed25519PrivateKey.generate()

    def sign(self, message: bytes) -> str:
        version = max(self._keys)
        return f"vault:v{version}:" + base64.b64encode(self._keys[version].sign(message)).decode()

    def verify(self, message: bytes, signature: str) -> bool:
        match = _SIGNATURE.fullmatch(signature)
        key = self._keys.get(int(match.group(1))) if match else None
        if key is None:
            return False
        try:
            key.public_key().verify(base64.b64decode(match.group(2)), message)
        except InvalidSignature:
            return False
        return True


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
        key_versions={"secure-mlops-data": 2, "secure-mlops-pseudonym": 1, "secure-mlops-signing": 1},
        run_id="run-20261122-0001",
        triggered_by="system:serviceaccount:kubeflow:pipeline-runner",
        metrics={"accuracy": 0.93, "roc_auc": 0.97},
        privacy={"k_anonymity": 5, "membership_advantage": 0.02},
    )


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
    from secure_mlops.digest import file_sha256

    return build_manifest(**manifest_fields(model_digest=file_sha256(model_file),
                                            bento_dir_digest=bento_digest(bento_dir)))
