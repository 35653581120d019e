from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.deploy.release_images import INFERENCE_IMAGE, PIPELINE_IMAGE, pinned_images, release_file
from secure_mlops.errors import InputError
from tests.support.paths import ROOT

DIGEST = "sha256:" + "1f" * 32


def _release(tmp_path: Path, pipeline_digest: str = DIGEST, inference: str = f"    digest: {DIGEST}\n") -> Path:
    path = tmp_path / "kustomization.yaml"
    path.write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n"
        f"  - name: {PIPELINE_IMAGE}\n    newName: registry.example/p\n    digest: {pipeline_digest}\n"
        f"  - name: {INFERENCE_IMAGE}\n    newName: registry.example/i\n{inference}",
        encoding="utf-8",
    )
    return path


def test_the_committed_release_file_pins_both_images() -> None:
    assert set(pinned_images(release_file(ROOT))) == {PIPELINE_IMAGE, INFERENCE_IMAGE}


def test_both_images_come_back_as_references_by_digest(tmp_path: Path) -> None:
    assert pinned_images(_release(tmp_path)) == {
        PIPELINE_IMAGE: f"registry.example/p@{DIGEST}", INFERENCE_IMAGE: f"registry.example/i@{DIGEST}",
    }


@pytest.mark.parametrize(
    ("pipeline_digest", "inference", "message"),
    [
        ("sha256:abc", f"    digest: {DIGEST}\n", "not a valid image reference"),
        (DIGEST, "    newTag: '1.0'\n", f"image {INFERENCE_IMAGE} needs newName and digest"),
    ],
)
def test_an_image_not_pinned_by_digest_is_refused(tmp_path: Path, pipeline_digest: str, inference: str,
                                                  message: str) -> None:
    with pytest.raises(InputError, match=message):
        pinned_images(_release(tmp_path, pipeline_digest, inference))


def test_a_file_that_is_not_a_release_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "k.yaml").write_text("resources: [../base]\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not a release file"):
        pinned_images(tmp_path / "k.yaml")
