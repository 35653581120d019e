"""The pipeline: wiring only. minimize → validate (per shard, in parallel) → publish (encrypt) →
train → privacy audit → package → deploy → record the run.

`build_pipeline(cluster=True)` is what `secure-mlops compile` writes for the KFP UI: every task
hardened for the cluster (see platform.py). `cluster=False` is the same graph for kfp.local.
"""

from kfp import dsl

from pipelines.components.data import minimize_shard, plan_shards, publish_dataset, validate_shard
from pipelines.components.image import INFERENCE_REPOSITORY
from pipelines.components.model import privacy_audit, train
from pipelines.components.release import deploy, package, record_run
from pipelines.platform import DEFAULT_VAULT_ADDR, harden
from secure_mlops.config import PIPELINE_SERVICE_ACCOUNT

PIPELINE_NAME = "secure-mlops"
# The object-locked audit bucket Terraform makes (`<data bucket>-audit`, prefix audit/) for the
# default data bucket; a local run (`secure-mlops run`) uses a folder in its state dir instead.
AUDIT_STORE = "s3://secure-mlops-data-audit/audit/runs/"
# The KFP UI shows this where a run is started: the service account cannot be part of the
# compiled YAML, and a run under the profile's default account is refused by Vault and IAM.
DESCRIPTION = (
    "Minimize, validate and encrypt personal data, train a model, audit it for membership "
    "inference, package it as a signed BentoML bento and deploy it to a hardened namespace. "
    f"Start runs with service account {PIPELINE_SERVICE_ACCOUNT}: Vault and the lake refuse any other."
)


def build_pipeline(*, cluster: bool, parallelism: int = 4, vault_addr: str = DEFAULT_VAULT_ADDR):  # noqa: ANN201 - a KFP GraphComponent
    # KFP needs ParallelFor's parallelism as a constant, so it is a build option, not a run parameter.
    def step(task, classification: str):  # noqa: ANN001, ANN202 - a KFP PipelineTask, untyped in kfp
        return harden(task, classification=classification, vault_addr=vault_addr) if cluster else task

    @dsl.pipeline(name=PIPELINE_NAME, description=DESCRIPTION)
    def secure_mlops_pipeline(
        data_uri: str = "s3://secure-mlops-data/raw/patients/",
        contract_path: str = "policies/data/patients.contract.yaml",
        k: int = 0,
        pseudonym_key_version: int = 0,
        token_key_version: int = 0,
        reference_profile_uri: str = "",
        psi_threshold: float = 0.2,
        seed: int = 0,
        model_type: str = "logistic_regression",
        model_params: str = "{}",
        max_membership_advantage: float = 0.1,
        min_roc_auc: float = 0.7,
        min_recall: float = 0.5,
        dp_epsilon: float = 0.0,
        triggered_by: str = "kubeflow-pipelines",
        inference_image: str = INFERENCE_REPOSITORY,
        apply: bool = False,
        release_uri: str = "",
        audit_uri: str = AUDIT_STORE,
    ) -> None:
        """Minimize, validate, encrypt, train, audit, package and deploy.

        Args:
            data_uri: Raw dataset: a CSV/Parquet file, or a folder or s3:// prefix of shards.
            contract_path: Data contract (YAML): a local or in-image path, /contracts/NAME.yaml (ConfigMap) or s3://BUCKET/KEY.
            k: Raise the contract's k-anonymity threshold for this run (0 keeps the contract's).
            pseudonym_key_version: Pseudonym key version to pin (0: its latest); another version changes every pseudonym.
            token_key_version: Token key version to pin (0: its latest); another version changes every token.
            reference_profile_uri: Profile of the previous accepted dataset, for drift checks ('' for none).
            psi_threshold: Population stability index above which a feature counts as drifted.
            seed: Seed of the train/test split and the model: same inputs and seed, same model (not under DP: noise is unseeded).
            model_type: logistic_regression or random_forest.
            model_params: Hyperparameters of the classifier as a JSON object, e.g. {"C": 0.5}.
            max_membership_advantage: The run fails when the membership attack's advantage less its 99% noise floor exceeds this.
            min_roc_auc: The run fails at train when the held-out ROC AUC is below this (0.5 is chance; 0 disables the check).
            min_recall: The run fails at train when the held-out recall of the label's first allowed value is below this (0: off).
            dp_epsilon: Train with differential privacy at this ε (0: without); fails over the contract's budget for the data.
            triggered_by: Who or what started the run, recorded in the signed provenance manifest.
            inference_image: REGISTRY/NAME (tagged with the bento's version) or REGISTRY/NAME@sha256:DIGEST (to apply).
            apply: Apply the rendered manifests to the cluster (false: render them only).
            release_uri: s3:// prefix (the lake's models/) the verified release is published under ('' for none).
            audit_uri: The audit store (the object-locked bucket's s3:// prefix) each run's record is appended to.
        """
        shards = step(plan_shards(data_uri=data_uri), "raw-identifiers")
        with dsl.ParallelFor(shards.output, parallelism=parallelism) as shard_uri:
            minimized = step(
                minimize_shard(shard_uri=shard_uri, contract_path=contract_path, k=k,
                               pseudonym_key_version=pseudonym_key_version, token_key_version=token_key_version),
                "raw-identifiers",
            )
            validated = step(
                validate_shard(
                    dataset=minimized.outputs["dataset"],
                    contract_path=contract_path,
                    reference_profile_uri=reference_profile_uri,
                    psi_threshold=psi_threshold,
                ),
                "pseudonymized",
            )
        published = step(
            publish_dataset(
                shards=dsl.Collected(validated.outputs["validated"]), contract_path=contract_path,
                reference_profile_uri=reference_profile_uri, psi_threshold=psi_threshold,
            ),
            "pseudonymized",
        )
        trained = step(
            train(
                dataset=published.outputs["dataset"], contract_path=contract_path, seed=seed,
                model_type=model_type, model_params=model_params, min_roc_auc=min_roc_auc, min_recall=min_recall,
                dp_epsilon=dp_epsilon, audit_uri=audit_uri, run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
            ),
            "pseudonymized",
        )
        audited = step(
            privacy_audit(
                dataset=published.outputs["dataset"], model=trained.outputs["model"], contract_path=contract_path,
                seed=seed, model_type=model_type, max_membership_advantage=max_membership_advantage,
            ),
            "pseudonymized",
        )
        packaged = step(
            package(
                model=trained.outputs["model"], dataset=published.outputs["dataset"],
                profile=published.outputs["profile"], metrics=trained.outputs["metrics"],
                audit=audited.outputs["audit"], contract_path=contract_path,
                run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER, triggered_by=triggered_by, inference_image=inference_image,
            ),
            "model",
        )
        deployed = step(
            deploy(
                manifest=packaged.outputs["manifest"], model=trained.outputs["model"],
                bento=packaged.outputs["bento"], inference_image=inference_image, apply=apply,
                release_uri=release_uri,
            ),
            "model",
        )
        step(
            record_run(
                manifest=packaged.outputs["manifest"], dataset=published.outputs["dataset"],
                metrics=trained.outputs["metrics"], audit=audited.outputs["audit"],
                manifests=deployed.outputs["manifests"], audit_uri=audit_uri, run_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
                data_uri=data_uri, contract_path=contract_path, k=k, pseudonym_key_version=pseudonym_key_version,
                token_key_version=token_key_version,
                reference_profile_uri=reference_profile_uri, psi_threshold=psi_threshold, seed=seed,
                model_type=model_type, model_params=model_params, max_membership_advantage=max_membership_advantage,
                min_roc_auc=min_roc_auc, min_recall=min_recall, dp_epsilon=dp_epsilon, triggered_by=triggered_by,
                inference_image=inference_image, apply=apply, release_uri=release_uri,
            ),
            "model",
        )

    return secure_mlops_pipeline
