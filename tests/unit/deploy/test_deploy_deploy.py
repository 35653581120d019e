"""deploy verifies before it renders, and applies only what it rendered."""

from __future__ import annotations

import json

import pytest
import yaml
from kubernetes.client.exceptions import ApiException

from secure_mlops.deploy import ClusterError, apply_manifests, deploy
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import sign_manifest, write_signed_manifest
from tests.support.fakes import InMemorySigner
from tests.support.release import BENTO_TAG, MODEL_TAG

IMAGE = "registry.example/ml/inference:1.0.0"


@pytest.fixture
def signed_path(tmp_path, manifest, signer):
    return write_signed_manifest(sign_manifest(manifest, signer), tmp_path / "provenance.json")


def _deploy(signed_path, signer, model_file, bento_dir, out_dir):
    return deploy(signed_path, signer=signer, model_file=model_file, bento_dir=bento_dir,
                  image=IMAGE, out_dir=out_dir, apply=False)


def test_verified_release_is_rendered_with_the_tags_of_the_verified_bento(
        tmp_path, signed_path, signer, model_file, bento_dir):
    result = _deploy(signed_path, signer, model_file, bento_dir, tmp_path / "out")

    assert (result.bento_tag, result.model_tag, result.applied) == (BENTO_TAG, MODEL_TAG, ())
    assert result.manifests == tmp_path / "out" / "manifests.yaml"
    assert f"value: {MODEL_TAG}" in result.manifests.read_text()


def _tamper_manifest(path, *_):
    envelope = json.loads(path.read_text())
    envelope["manifest"]["model"]["metrics"]["accuracy"] = 0.99
    path.write_text(json.dumps(envelope))


def _tamper_signature(path, *_):
    envelope = json.loads(path.read_text())
    envelope["signature"] = InMemorySigner(envelope["key"]).sign(b"something else")
    path.write_text(json.dumps(envelope))


def _tamper_model(_path, model_file, _bento_dir):
    model_file.write_bytes(b"a different model")


def _tamper_bento(_path, _model_file, bento_dir):
    (bento_dir / "src" / "service.py").write_text("print('backdoor')\n")


def _swap_bento_model(_path, _model_file, bento_dir):
    info = yaml.safe_load((bento_dir / "bento.yaml").read_text())
    info["services"][0]["models"][0]["tag"] = "secure-mlops-model:attacker"
    (bento_dir / "bento.yaml").write_text(yaml.safe_dump(info))


@pytest.mark.parametrize(
    "tamper", [_tamper_manifest, _tamper_signature, _tamper_model, _tamper_bento, _swap_bento_model],
    ids=["manifest", "signature", "model-file", "bento-file", "bento-model-tag"],
)
def test_deploy_refuses_a_tampered_release_and_writes_nothing(
        tmp_path, signed_path, signer, model_file, bento_dir, tamper):
    tamper(signed_path, model_file, bento_dir)
    out_dir = tmp_path / "out"

    with pytest.raises(IntegrityError):
        _deploy(signed_path, signer, model_file, bento_dir, out_dir)
    assert not out_dir.exists()


class _FakeDynamicClient:
    """Records server-side applies; `refuse` makes the API answer 403 like RBAC would."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.applied: list[tuple[str, str | None, str, bool]] = []
        self.resources = self

    def get(self, *, api_version: str, kind: str) -> str:
        return f"{api_version}/{kind}"

    def server_side_apply(self, resource, *, body, namespace, field_manager, force_conflicts):
        if self.refuse:
            raise ApiException(status=403, reason="Forbidden")
        self.applied.append((resource, namespace, field_manager, force_conflicts))


def test_a_release_applies_only_what_the_deployer_may_patch_in_order_with_server_side_apply(
        tmp_path, signed_path, signer, model_file, bento_dir):
    manifests = _deploy(signed_path, signer, model_file, bento_dir, tmp_path / "out").manifests
    client = _FakeDynamicClient()

    applied = apply_manifests(manifests, dynamic_client=client)

    assert applied[0] == "Service/secure-mlops/inference"
    assert [a[0] for a in client.applied] == ["v1/Service", "apps/v1/Deployment"]
    assert {(a[2], a[3]) for a in client.applied} == {("secure-mlops", True)}


def test_a_refusal_from_the_cluster_is_a_cluster_error(
        tmp_path, signed_path, signer, model_file, bento_dir):
    manifests = _deploy(signed_path, signer, model_file, bento_dir, tmp_path / "out").manifests

    with pytest.raises(ClusterError, match="refused to apply Service/secure-mlops/inference: 403 Forbidden"):
        apply_manifests(manifests, dynamic_client=_FakeDynamicClient(refuse=True))


PINNED = "registry.example/ml/inference@sha256:" + "cd" * 32


def test_a_release_signed_with_its_image_deploys_that_image_only(tmp_path, manifest, signer, model_file, bento_dir):
    pinned = write_signed_manifest(sign_manifest({**manifest, "release": {**manifest["release"], "image": PINNED}},
                                                 signer), tmp_path / "pinned.json")

    with pytest.raises(IntegrityError, match="image"):
        deploy(pinned, signer=signer, model_file=model_file, bento_dir=bento_dir, image=IMAGE,
               out_dir=tmp_path / "refused")
    assert not (tmp_path / "refused").exists()

    result = deploy(pinned, signer=signer, model_file=model_file, bento_dir=bento_dir, image=PINNED,
                    out_dir=tmp_path / "out")
    assert f"image: {PINNED}" in result.manifests.read_text()
    assert result.sequence == manifest["release"]["sequence"] and result.rollback is False


def test_applying_needs_the_release_uri_where_the_sequence_is_recorded(
        tmp_path, signed_path, signer, model_file, bento_dir):
    with pytest.raises(InputError, match="release_uri"):
        deploy(signed_path, signer=signer, model_file=model_file, bento_dir=bento_dir, image=PINNED,
               out_dir=tmp_path / "out", apply=True)
    assert not (tmp_path / "out").exists()
