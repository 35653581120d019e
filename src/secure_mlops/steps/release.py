"""Pipeline steps that release a model: package it as a signed bento, then deploy it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from secure_mlops.config import Settings
from secure_mlops.privacy import load_contract
from secure_mlops.steps.scratch import scratch_dir

if TYPE_CHECKING:
    from secure_mlops.deploy import DeployResult  # the deploy package imports the Kubernetes client

MODEL_NAME = "secure-mlops-model"
# What the inference image installs (services/inference/Dockerfile), relative to the project root:
# the package step records its SBOM in the bento and the signed manifest.
INFERENCE_LOCK = Path("requirements") / "inference.lock"


@dataclass(frozen=True)
class Packaged:
    bento_tag: str
    model_tag: str
    bento_digest: str
    model_digest: str
    sbom_digest: str
    """Of the inference image's SBOM, carried in the bento."""


def package(
    model_file: Path,
    contract_path: Path,
    profile_file: Path,
    bento_output: Path,
    manifest_output: Path,
    *,
    data_digest: str,
    data_key_version: int,
    pseudonym_key_version: int | None,
    token_key_version: int | None = None,
    inference_image: str,
    metrics: dict[str, float],
    privacy: dict[str, float],
    run_id: str,
    triggered_by: str,
    settings: Settings,
) -> Packaged:
    """Store the skops model as a BentoML model, build the bento (with the contract and the training
    profile the service derives its schema and drift baseline from), sign a provenance manifest of
    every digest with the Vault Transit signing key, put it into the bento (the service verifies
    it at start-up) and copy the bento out as an artifact. The bento carries the CycloneDX SBOM of
    the inference image's lock (`INFERENCE_LOCK` under the project root), whose digest the
    manifest records.

    The manifest records the versions of the data, pseudonym (None: the dataset has no
    pseudonyms), token (None: the dataset has no tokens) and signing keys, a release sequence,
    and `inference_image` when it is pinned by digest (a bare repository is rendered with the
    bento's version at deploy instead)."""
    from secure_mlops.packaging import (
        attach_manifest,
        bento_sbom,
        build_bento,
        build_manifest,
        describe_sbom,
        export_bento,
        lock_sbom,
        package_model,
        sign_manifest,
        use_bentoml_home,
        write_signed_manifest,
    )
    from secure_mlops.vault import manifest_signer

    use_bentoml_home(settings)
    contract = load_contract(contract_path)
    with scratch_dir(settings) as scratch:
        # KFP names artifact files after the output ("model"); packaging wants the format's suffix.
        named = scratch / "model.skops"
        shutil.copyfile(model_file, named)
        model = package_model(
            named,
            name=MODEL_NAME,
            metadata={"contract": contract.name, "contract_version": contract.version, **metrics},
            labels={"contract": contract.name},
        )
        sbom_file = scratch / "sbom.cdx.json"
        sbom_file.write_bytes(lock_sbom(settings.project_root / INFERENCE_LOCK))
        bento = build_bento(model.tag, contract_file=contract_path, profile_file=profile_file, sbom_file=sbom_file)
    # Described from the bento's own copy: the file verify_manifest will check.
    sbom = describe_sbom(bento_sbom(bento.path))
    signer = manifest_signer(settings)
    manifest = build_manifest(
        data_digest=data_digest,
        contract_name=contract.name,
        contract_version=contract.version,
        contract_digest=contract.digest(),
        model_tag=model.tag,
        model_digest=model.digest,
        bento_tag=bento.tag,
        bento_digest=bento.digest,
        keys={
            "data": (settings.data_key_name, data_key_version),
            **({"pseudonym": (settings.pseudonym_key_name, pseudonym_key_version)} if pseudonym_key_version else {}),
            **({"token": (settings.token_key_name, token_key_version)} if token_key_version else {}),
            "signing": (signer.key_name, signer.latest_version()),
        },
        run_id=run_id,
        triggered_by=triggered_by,
        metrics=metrics,
        privacy=privacy,
        image=inference_image if "@" in inference_image else None,
        sbom=sbom,
    )
    write_signed_manifest(sign_manifest(manifest, signer), manifest_output)
    attach_manifest(bento.path, manifest_output)
    # The bento travels as an artifact, model included (the store keeps models outside a bento;
    # export copies it into models/): on a cluster the deploy step runs in another pod, and CI
    # builds the inference image from this folder (scripts/build-images.sh --bento-dir).
    export_bento(bento.tag, bento_output)
    return Packaged(bento.tag, model.tag, bento.digest, model.digest, sbom.digest)


def deploy(
    manifest_file: Path,
    model_file: Path,
    bento_dir: Path,
    out_dir: Path,
    *,
    inference_image: str,
    apply: bool,
    release_uri: str = "",
    allow_rollback: bool = False,
    settings: Settings,
) -> DeployResult:
    """Verify the signed manifest against the model and bento, then render (and maybe apply).

    `inference_image` is `registry/name@sha256:...` (what the prod admission policy admits, and
    required to apply), or `registry/name`, rendered as `registry/name:<bento version>`: the tag
    scripts/build-images.sh builds from this bento, for a release that CI pins and applies.
    `release_uri` (the lake's models/ prefix; '' for none) is where the verified release is
    published for that hand-off, and where the last deployed release sequence is recorded (apply
    needs it): an older release than the last one is refused unless `allow_rollback`.
    """
    from secure_mlops.deploy import deploy as verify_and_render
    from secure_mlops.deploy.image import release_image
    from secure_mlops.vault import manifest_signer

    image = release_image(inference_image, bento_dir, apply=apply)
    return verify_and_render(
        manifest_file,
        signer=manifest_signer(settings),
        model_file=model_file,
        bento_dir=bento_dir,
        image=image,
        out_dir=out_dir,
        apply=apply,
        release_uri=release_uri,
        allow_rollback=allow_rollback,
    )
