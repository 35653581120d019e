"""The whole KFP pipeline run locally (kfp.local) against a real OpenBao server."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from secure_mlops.demo_data import generate_patients
from secure_mlops.privacy import load_contract
from tests.support.cli import run_cli
from tests.support.paths import PATIENTS
from tests.support.pipeline import run_pipeline, shards

pytestmark = pytest.mark.integration
IDENTIFIERS = ("patient_id", "full_name", "email", "ssn", "phone", "address")


@pytest.fixture(scope="module")
def state(good_run) -> Path:
    return Path(good_run[0]["SECURE_MLOPS_STATE_DIR"])


def _run_dir(stdout: str) -> Path:
    line = next(line for line in stdout.splitlines() if line.startswith("pipeline succeeded: "))
    return Path(line.removeprefix("pipeline succeeded: "))


def test_pipeline_runs_green_and_reports_every_step(good_run) -> None:
    _, _, result = good_run
    for step in ("plan-shards", "minimize-shard", "validate-shard", "publish-dataset", "train", "privacy-audit"):
        assert f"{step}" in result.stdout and "FAILURE" not in result.stdout
    assert "held-out metrics: accuracy" in result.stdout and "membership_advantage" in result.stdout


@pytest.mark.control("minimization")
def test_no_raw_identifier_appears_anywhere_under_the_pipeline_root(good_run, state: Path) -> None:
    _, data, result = good_run
    secrets: set[str] = set()
    for shard in data.glob("*.csv"):
        with open(shard, newline="") as handle:
            for row in csv.DictReader(handle):
                secrets.update(row[c] for c in IDENTIFIERS)
    blobs = [blob for p in (state / "pipeline-root").rglob("*") if p.is_file() for blob in _contents(p)]
    blobs.append((result.stdout + result.stderr).encode())
    leaked = [s for s in secrets if any(s.encode() in blob for blob in blobs)]
    assert leaked == []


def _contents(path: Path) -> list[bytes]:
    """The file's bytes, and each member's when it is a zip (a skops model): compression would
    hide a leaked value from a plain byte search."""
    blobs = [path.read_bytes()]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            blobs += [archive.read(name) for name in archive.namelist()]
    return blobs


@pytest.mark.control("envelope-encryption")
def test_every_artifact_is_classified_and_ciphertext_where_the_classification_says(good_run) -> None:
    from pipelines.artifacts import ARTIFACTS, Holds
    from secure_mlops.crypto.format import MAGIC
    from secure_mlops.orchestration import collect_artifacts

    seen = set()
    for record in collect_artifacts(_run_dir(good_run[2].stdout)):
        key = (record.task.rsplit("/", 1)[-1], record.name)
        holds, _ = ARTIFACTS[key]
        location = Path(record.uri)
        files = [location] if location.is_file() else [p for p in location.rglob("*") if p.is_file()]
        if holds is Holds.CIPHERTEXT:
            assert files and all(f.read_bytes()[: len(MAGIC)] == MAGIC for f in files), key
        # Metrics are metadata without a file; the no-identifier test above reads them too
        # (executor_output.json under the pipeline root).
        seen.add(key)
    assert seen == set(ARTIFACTS)


def _published_ids(run_dir: Path, settings) -> list[str]:
    from secure_mlops.orchestration import collect_artifacts
    from secure_mlops.steps.data import read_dataset

    record = next(r for r in collect_artifacts(run_dir) if r.task == "publish-dataset" and r.name == "dataset")
    return read_dataset(Path(record.uri), record.metadata["context"], settings).column("patient_id").to_pylist()


def test_rerun_gives_the_same_pseudonyms_and_metrics_and_a_new_signed_manifest(good_run, vault_settings, state: Path) -> None:
    from secure_mlops.packaging import load_signed_manifest

    env, data, first = good_run
    again = run_pipeline(env, "--data", data)
    assert again.returncode == 0, again.stderr
    metrics = [line for line in first.stdout.splitlines() if line.startswith("held-out metrics")]
    assert metrics and metrics == [line for line in again.stdout.splitlines() if line.startswith("held-out metrics")]
    runs = [_run_dir(first.stdout), _run_dir(again.stdout)]
    assert _published_ids(runs[0], vault_settings) == _published_ids(runs[1], vault_settings)
    manifests = [load_signed_manifest(run / "package" / "manifest") for run in runs]
    assert manifests[0].signature != manifests[1].signature
    assert manifests[0].manifest["run"]["id"] != manifests[1].manifest["run"]["id"]

    # Both runs are in the audit store: same data by the plaintext digest, never by the ciphertext's.
    listed = run_cli("audit", "runs", env=env)
    assert listed.returncode == 0, listed.stderr
    summaries = {summary["run_id"]: summary for summary in
                 (json.loads(path.read_text()) for path in (state / "audit-store").glob("*/summary.json"))}
    first_record, second_record = (summaries[m.manifest["run"]["id"]]["data"] for m in manifests)
    assert first_record["plaintext_sha256"] == second_record["plaintext_sha256"]
    assert first_record["ciphertext_sha256"] != second_record["ciphertext_sha256"]
    assert all(m.manifest["run"]["id"] in listed.stdout for m in manifests)


@pytest.mark.control("retention")
def test_each_run_is_recorded_once_read_only_with_its_gates_and_both_dataset_digests(good_run, vault_settings,
                                                                                     state: Path) -> None:
    from secure_mlops.digest import table_sha256
    from secure_mlops.orchestration import collect_artifacts
    from secure_mlops.steps.data import read_dataset

    run = _run_dir(good_run[2].stdout)
    manifest_file = run / "package" / "manifest"
    run_id = json.loads(manifest_file.read_text())["manifest"]["run"]["id"]
    (folder,) = [p for p in (state / "audit-store").iterdir() if p.name.endswith("_" + run_id)]
    summary = json.loads((folder / "summary.json").read_text())
    assert (folder / "provenance.json").read_bytes() == manifest_file.read_bytes()
    dataset = next(r for r in collect_artifacts(run) if r.task == "publish-dataset" and r.name == "dataset")
    table = read_dataset(Path(dataset.uri), dataset.metadata["context"], vault_settings)
    assert summary["data"] == {"rows": table.num_rows, "plaintext_sha256": table_sha256(table),
                               "ciphertext_sha256": dataset.metadata["sha256"]}
    gates = summary["gates"]
    assert gates["k_anonymity"]["achieved"] >= gates["k_anonymity"]["required"] >= 2 and gates["k_anonymity"]["passed"]
    assert gates["membership_inference"]["max_advantage"] == 0.1 and gates["validation"]["checks"] > 0
    assert summary["parameters"]["triggered_by"] == summary["triggered_by"] and summary["keys"]["data"]["version"] >= 1
    # Written once: read-only files in a read-only folder.
    assert all(not p.stat().st_mode & 0o222 for p in (folder, *folder.iterdir()))


@pytest.mark.parametrize("tamper", ["manifest", "model"])
def test_tampered_manifest_or_model_is_refused_at_deploy(good_run, vault_settings, tmp_path: Path, tamper: str) -> None:
    import shutil

    from secure_mlops import steps
    from secure_mlops.errors import IntegrityError

    run = _run_dir(good_run[2].stdout)
    manifest, model = tmp_path / "manifest.json", tmp_path / "model"
    shutil.copyfile(run / "package" / "manifest", manifest)
    shutil.copyfile(run / "train" / "model", model)
    if tamper == "manifest":
        signed = json.loads(manifest.read_text())
        signed["manifest"]["model"]["metrics"]["accuracy"] = 0.999
        manifest.write_text(json.dumps(signed))
    else:
        model.write_bytes(model.read_bytes() + b"\0")
    out = tmp_path / "rendered"
    with pytest.raises(IntegrityError, match=r"signature does not verify|does not match"):
        steps.deploy(manifest, model, run / "package" / "bento", out, inference_image="ghcr.io/x/inference", apply=False,
                    settings=vault_settings)
    assert not out.exists() or not any(out.iterdir())


def test_deploy_renders_hardened_manifests_for_the_model_version(good_run) -> None:
    run = _run_dir(good_run[2].stdout)
    rendered = list(yaml.safe_load_all((run / "deploy" / "manifests" / "manifests.yaml").read_text()))
    deployment = next(d for d in rendered if d and d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    for container in pod["containers"]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert container["image"].startswith("ghcr.io/secure-mlops/") and ":latest" not in container["image"]


def test_out_of_range_values_fail_at_validate(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    table = generate_patients(569, seed=31)
    poisoned = table.set_column(
        table.schema.get_field_index("mean_smoothness"), "mean_smoothness",
        [[5.0 if i % 10 == 0 else v for i, v in enumerate(table.column("mean_smoothness").to_pylist())]],
    )
    (tmp_path / "raw").mkdir()
    pq.write_table(poisoned, tmp_path / "raw" / "part-0.parquet")
    result = run_pipeline(env, "--data", tmp_path / "raw")
    assert result.returncode == 10
    assert "[validate-shard]" in result.stderr and "mean_smoothness" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.control("validation-gate")
def test_shifted_distribution_fails_at_validate_against_the_last_accepted_dataset(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    table = generate_patients(569, seed=32)
    index = table.schema.get_field_index("mean_radius")
    shifted = table.set_column(index, "mean_radius", [[v * 1.8 for v in table.column("mean_radius").to_pylist()]])
    (tmp_path / "raw").mkdir()
    pq.write_table(shifted, tmp_path / "raw" / "part-0.parquet")
    result = run_pipeline(env, "--data", tmp_path / "raw")
    assert result.returncode == 10
    assert "[validate-shard]" in result.stderr and "mean_radius" in result.stderr and "PSI" in result.stderr


@pytest.mark.control("k-anonymity")
def test_dataset_below_k_fails_at_minimize(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    data = shards(tmp_path / "raw", seeds=(41,), rows=60)
    result = run_pipeline(env, "--data", data)
    assert result.returncode == 10
    assert "[minimize-shard]" in result.stderr and "k-anonymity" in result.stderr


@pytest.mark.control("membership-audit")
def test_overfit_model_fails_at_the_privacy_audit(good_run, tmp_path: Path) -> None:
    env, _, _ = good_run
    # Labels shuffled across rows: nothing to learn, so a fully grown forest can only memorize.
    import numpy as np

    (tmp_path / "raw").mkdir()
    for seed in (51, 52):
        table = generate_patients(569, seed=seed)
        labels = np.random.default_rng(seed).permutation(np.array(table.column("diagnosis").to_pylist()))
        table = table.set_column(table.schema.get_field_index("diagnosis"), "diagnosis", [labels.tolist()])
        pq.write_table(table, tmp_path / "raw" / f"part-{seed}.parquet")
    # The quality gate is off: a model with nothing to learn would fail it first, at train.
    result = run_pipeline(
        env, "--data", tmp_path / "raw", "--param", "model_type=random_forest",
        "--param", 'model_params={"min_samples_leaf": 1, "bootstrap": false}',
        "--param", "min_roc_auc=0", "--param", "min_recall=0",
    )
    assert result.returncode == 10
    assert "[privacy-audit]" in result.stderr and "membership-inference advantage" in result.stderr


def test_unknown_param_is_rejected_before_running(good_run) -> None:
    env, data, _ = good_run
    result = run_pipeline(env, "--data", data, "--param", "nope=1")
    assert result.returncode == 4 and "unknown pipeline parameter 'nope'" in result.stderr


def test_a_second_contract_is_never_compared_with_the_first_ones_reference(good_run, state: Path) -> None:
    from tests.support import churn

    env = good_run[0]
    references = state / "drift-references"
    demo = load_contract(PATIENTS)
    patients = references / f"{demo.name}@{demo.version}.profile.json"
    before = patients.read_bytes()
    data = state / "churn-raw"
    data.mkdir()
    churn.write_churn_csv(data / "part-1.csv", rows=400, seed=5)

    result = run_pipeline(env, "--data", data, "--contract", churn.write_contract(state / "churn.contract.yaml"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "drift: no reference for this contract and version yet, so no drift was measured" in result.stdout
    assert patients.read_bytes() == before
    assert json.loads((references / "churn@2.1.0.profile.json").read_text())["contract_name"] == "churn"
