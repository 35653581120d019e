"""Release components: package a signed bento, deploy it (verify, render, maybe apply), and record
the run in the audit store."""

from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from pipelines.components.image import step_component


@step_component
def package(
    model: Input[Model], dataset: Input[Dataset], profile: Input[Artifact], metrics: Input[Metrics],
    audit: Input[Metrics], contract_path: str, run_id: str, triggered_by: str, inference_image: str,
    bento: Output[Artifact], manifest: Output[Artifact],
) -> None:
    """Build the BentoML bento (skops model, no pickle; the contract and training profile the service
    validates and watches drift with) and sign its provenance manifest in Vault: digests, key
    versions, a release sequence, and the inference image when it is pinned by digest."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("package"), contract_file(contract_path, get_settings()) as contract:
        packaged = steps.package(
            Path(model.path), contract, Path(profile.path), Path(bento.path), Path(manifest.path),
            data_digest=dataset.metadata["sha256"], data_key_version=int(dataset.metadata["key_version"]),
            pseudonym_key_version=int(dataset.metadata.get("pseudonym_key_version") or 0) or None,
            token_key_version=int(dataset.metadata.get("token_key_version") or 0) or None,
            inference_image=inference_image, metrics=dict(metrics.metadata), privacy=dict(audit.metadata),
            run_id=run_id, triggered_by=triggered_by, settings=get_settings(),
        )
    bento.metadata.update(bento_tag=packaged.bento_tag, model_tag=packaged.model_tag, sha256=packaged.bento_digest)
    manifest.metadata.update(bento_tag=packaged.bento_tag, model_sha256=packaged.model_digest, signed=True)


@step_component
def deploy(
    manifest: Input[Artifact], model: Input[Model], bento: Input[Artifact], inference_image: str, apply: bool,
    release_uri: str, manifests: Output[Artifact],
) -> None:
    """Refuse anything whose signature or digests do not verify; render the hardened manifests."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings

    with steps.step_errors("deploy"):
        result = steps.deploy(
            Path(manifest.path), Path(model.path), Path(bento.path), Path(manifests.path),
            inference_image=inference_image, apply=apply, release_uri=release_uri, settings=get_settings(),
        )
    manifests.metadata.update(
        bento_tag=result.bento_tag, model_tag=result.model_tag, applied=len(result.applied),
        rendered=str(result.manifests), published=result.published or "", release_sequence=result.sequence,
    )


@step_component
def record_run(
    manifest: Input[Artifact], dataset: Input[Dataset], metrics: Input[Metrics], audit: Input[Metrics],
    manifests: Input[Artifact], audit_uri: str, run_id: str, data_uri: str, contract_path: str, k: int,
    pseudonym_key_version: int, token_key_version: int, reference_profile_uri: str, psi_threshold: float, seed: int,
    model_type: str, model_params: str, max_membership_advantage: float, min_roc_auc: float, min_recall: float,
    dp_epsilon: float, triggered_by: str, inference_image: str, apply: bool, release_uri: str,
) -> None:
    """Append the signed manifest and a run summary (parameters, each gate's result, key versions,
    plaintext and ciphertext digests) to the audit store, where no record is ever replaced."""
    from pathlib import Path

    from secure_mlops import steps

    with steps.step_errors("record-run"):
        where = steps.record_run(
            Path(manifest.path), store_uri=audit_uri, run_id=run_id,
            parameters={
                "data_uri": data_uri, "contract_path": contract_path, "k": k,
                "pseudonym_key_version": pseudonym_key_version, "token_key_version": token_key_version,
                "reference_profile_uri": reference_profile_uri,
                "psi_threshold": psi_threshold, "seed": seed, "model_type": model_type, "model_params": model_params,
                "max_membership_advantage": max_membership_advantage, "min_roc_auc": min_roc_auc,
                "min_recall": min_recall, "dp_epsilon": dp_epsilon, "triggered_by": triggered_by,
                "inference_image": inference_image, "apply": apply, "release_uri": release_uri,
            },
            dataset=dict(dataset.metadata), privacy=dict(audit.metadata), metrics=dict(metrics.metadata),
            deployed=dict(manifests.metadata),
        )
    print(f"run recorded in {where}")
