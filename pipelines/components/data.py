"""Data components: plan the shards, minimize, validate, publish."""

from typing import List

from kfp.dsl import HTML, Artifact, Dataset, Input, Output

from pipelines.components.image import step_component


@step_component
def plan_shards(data_uri: str) -> List[str]:
    """List the dataset's shards (the files of a folder or S3 prefix; a single file is one shard)."""
    from secure_mlops import steps

    with steps.step_errors("plan-shards"):
        return steps.plan_shards(data_uri)


@step_component
def minimize_shard(
    shard_uri: str, contract_path: str, k: int, pseudonym_key_version: int, token_key_version: int,
    dataset: Output[Dataset], report: Output[Artifact],
) -> None:
    """Minimize one raw shard under the data contract and encrypt it: the first artifact is ciphertext."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.privacy import write_report
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("minimize-shard"), contract_file(contract_path, get_settings()) as contract:
        written, result = steps.minimize_shard(
            shard_uri, contract, Path(dataset.path), context=dataset.uri, k=k or None,
            pseudonym_key_version=pseudonym_key_version or None, token_key_version=token_key_version or None,
            settings=get_settings(),
        )
        write_report(result, Path(report.path))
    dataset.metadata.update(
        context=written.context, rows=written.rows, sha256=written.sha256, key_version=written.key_version,
        pseudonym_key_version=written.pseudonym_key_version, token_key_version=written.token_key_version,
        encrypted=True, contract=f"{result.contract_name}@{result.contract_version}",
        k_required=result.k_anonymity.k_required, k_achieved=result.k_anonymity.k_achieved,
    )


@step_component
def validate_shard(
    dataset: Input[Dataset], contract_path: str, reference_profile_uri: str, psi_threshold: float,
    validated: Output[Dataset], report: Output[HTML],
) -> None:
    """Great Expectations suite from the contract plus drift checks; a failure stops the run."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("validate-shard"), contract_file(contract_path, get_settings()) as contract:
        result = steps.validate_shard(
            Path(dataset.path), dataset.metadata["context"], contract,
            reference_profile_uri=reference_profile_uri or None, psi_threshold=psi_threshold,
            validated_output=Path(validated.path), report_output=Path(report.path), settings=get_settings(),
        )
    validated.metadata.update(dataset.metadata, checks=result.checks, checks_failed=result.failed)


@step_component
def publish_dataset(
    shards: Input[List[Dataset]], contract_path: str, reference_profile_uri: str, psi_threshold: float,
    dataset: Output[Dataset], profile: Output[Artifact],
) -> None:
    """Merge the validated shards, validate them whole, encrypt them as one object under a fresh data key."""
    from pathlib import Path

    from secure_mlops import steps
    from secure_mlops.config import get_settings
    from secure_mlops.steps.sources import contract_file

    with steps.step_errors("publish-dataset"), contract_file(contract_path, get_settings()) as contract:
        # KFP keeps metadata numbers as floats.
        written = steps.publish_dataset(
            [(Path(s.path), s.metadata["context"], int(s.metadata.get("pseudonym_key_version") or 0) or None)
             for s in shards], contract,
            Path(dataset.path), Path(profile.path), context=dataset.uri,
            reference_profile_uri=reference_profile_uri or None, psi_threshold=psi_threshold,
            token_key_versions=[int(s.metadata.get("token_key_version") or 0) or None for s in shards],
            settings=get_settings(),
        )
    # The gates each shard passed, summed up for the run record: the weakest k, every check.
    dataset.metadata.update(
        context=written.context, rows=written.rows, sha256=written.sha256, key_version=written.key_version,
        pseudonym_key_version=written.pseudonym_key_version, token_key_version=written.token_key_version,
        encrypted=True, shards=len(shards),
        plaintext_sha256=written.plaintext_sha256,
        k_required=max(int(s.metadata["k_required"]) for s in shards),
        k_achieved=min(int(s.metadata["k_achieved"]) for s in shards),
        checks=sum(int(s.metadata["checks"]) for s in shards),
    )
