"""The project's own checkov checks (policies/checkov/checks): each fails its failing example and
passes its passing one (policies/checkov/examples/<check id>/{fail,pass}), and infra/terraform
and every rendered overlay pass all of them.

Assertions read the check's own ID in checkov's JSON report: the examples fail stock checks too,
so checkov's exit code says nothing about ours. checkov runs as elsewhere (tests/support/tools.py):
a missing checkov fails the tests, a missing kubectl skips the overlay ones.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.k8s import NAMESPACE, OVERLAYS, rendered, write_rendered_overlays
from tests.support.paths import POLICIES, TERRAFORM
from tests.support.tools import checkov_reports

CHECKS = POLICIES / "checkov" / "checks"
EXAMPLES = POLICIES / "checkov" / "examples"
# Check ID -> the checkov framework it belongs to.
CUSTOM_CHECKS = {
    "CKV2_SMLOPS_1": "terraform",  # every aws_s3_bucket has an aws_s3_bucket_policy
    "CKV2_SMLOPS_2": "kubernetes",  # every ServiceAccount: automountServiceAccountToken false
    "CKV_SMLOPS_3": "kubernetes",  # serving Deployments and their pods carry the classification label
}
OUTCOMES = ("pass", "fail")
# The data bucket's call of the hardened-bucket module, which attaches its policy.
DATA_BUCKET_HARDENING = re.compile(r'^module "data_bucket" \{\n.*?^\}\n', re.M | re.S)
EXAMPLE_CASES = [pytest.param(check, id=check) for check in CUSTOM_CHECKS]


def _defined_check_ids() -> set[str]:
    """The IDs the checks folder defines: `metadata.id` of the YAML policies, `id=` of the Python ones."""
    ids = {yaml.safe_load(p.read_text(encoding="utf-8"))["metadata"]["id"] for p in CHECKS.glob("*.yaml")}
    for path in CHECKS.glob("*.py"):
        ids.update(re.findall(r'\bid="(CKV2?_SMLOPS_\d+)"', path.read_text(encoding="utf-8")))
    return ids


def _without_data_bucket_hardening(folder: Path) -> Path:
    """A copy of infra/terraform (symlinks resolved) whose data bucket is never hardened."""
    copy = folder / "terraform"
    shutil.copytree(TERRAFORM, copy)
    lake = copy / "modules" / "data-lake" / "main.tf"
    text, removed = DATA_BUCKET_HARDENING.subn("", lake.read_text(encoding="utf-8"))
    assert removed == 1, "modules/data-lake no longer calls the hardened-bucket module as data_bucket"
    lake.write_text(text, encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """One checkov run, custom checks loaded, per example, for infra/terraform and for a copy of
    it with the data bucket unhardened; each framework's runs start together."""
    targets: dict[str, dict[str, Path]] = {"terraform": {"infra/terraform": TERRAFORM}, "kubernetes": {}}
    for check, framework in CUSTOM_CHECKS.items():
        for outcome in OUTCOMES:
            targets[framework][f"{check}/{outcome}"] = EXAMPLES / check / outcome
    targets["terraform"]["unhardened data bucket"] = _without_data_bucket_hardening(tmp_path_factory.mktemp("tf"))
    found: dict[str, dict[str, Any]] = {}
    for framework, runs in targets.items():
        found.update(checkov_reports(runs, framework, external_checks=CHECKS))
    return found


@pytest.fixture(scope="module")
def overlay_reports(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """One checkov run, custom checks loaded, per rendered overlay (kubectl kustomize)."""
    files = write_rendered_overlays(tmp_path_factory.mktemp("rendered"))
    return checkov_reports(files, "kubernetes", external_checks=CHECKS)


def results(report: dict[str, Any], check: str, kind: str) -> list[str]:
    """The resources `check` passed or failed (`kind`: "passed" or "failed") in one report."""
    return [c["resource"] for c in report["results"][f"{kind}_checks"] if c["check_id"] == check]


def test_every_custom_check_has_a_passing_and_a_failing_example() -> None:
    assert _defined_check_ids() == set(CUSTOM_CHECKS)
    assert {p.name for p in EXAMPLES.iterdir() if p.is_dir()} == set(CUSTOM_CHECKS)
    for check in CUSTOM_CHECKS:
        for outcome in OUTCOMES:
            assert [p for p in (EXAMPLES / check / outcome).rglob("*") if p.is_file()], f"{check}/{outcome} is empty"


@pytest.mark.parametrize("check", EXAMPLE_CASES)
def test_custom_check_fails_its_failing_example(reports, check: str) -> None:
    report = reports[f"{check}/fail"]
    assert report["summary"]["parsing_errors"] == 0
    assert results(report, check, "failed"), f"{check} did not fail its failing example"
    assert results(report, check, "passed") == []


@pytest.mark.parametrize("check", EXAMPLE_CASES)
def test_custom_check_passes_its_passing_example(reports, check: str) -> None:
    report = reports[f"{check}/pass"]
    assert report["summary"]["parsing_errors"] == 0
    assert results(report, check, "passed"), f"{check} did not judge its passing example (not loaded?)"
    assert results(report, check, "failed") == []


def test_serving_deployment_check_leaves_other_namespaces_alone(reports) -> None:
    # The passing example also holds an unlabelled Deployment in another namespace: not judged.
    judged = results(reports["CKV_SMLOPS_3/pass"], "CKV_SMLOPS_3", "passed")
    assert judged == [f"Deployment.{NAMESPACE}.example"]


@pytest.mark.control("lake-access-hardening")
def test_infra_terraform_passes_the_custom_checks(reports) -> None:
    report = reports["infra/terraform"]
    assert report["summary"]["parsing_errors"] == 0
    assert results(report, "CKV2_SMLOPS_1", "failed") == []
    # Every bucket of the lake was judged, through the hardened-bucket module that attaches its policy.
    buckets = {resource.rsplit(".", 1)[-1] for resource in results(report, "CKV2_SMLOPS_1", "passed")}
    assert buckets == {"data", "logs", "audit[0]"}


@pytest.mark.control("lake-access-hardening")
def test_bucket_policy_check_follows_the_module_to_each_buckets_own_policy(reports) -> None:
    # Without its hardened-bucket call the data bucket has no policy: the other buckets' policies
    # (the log bucket's names the data bucket's ARN) must not count as its own.
    report = reports["unhardened data bucket"]
    assert [r.rsplit(".", 1)[-1] for r in results(report, "CKV2_SMLOPS_1", "failed")] == ["data"]
    assert {r.rsplit(".", 1)[-1] for r in results(report, "CKV2_SMLOPS_1", "passed")} == {"logs", "audit[0]"}


@pytest.mark.control("least-privilege-cluster", "hardened-runtime")
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_overlay_passes_the_custom_checks(overlay_reports, overlay: str) -> None:
    report = overlay_reports[overlay]
    assert report["summary"]["parsing_errors"] == 0
    for check, framework in CUSTOM_CHECKS.items():
        if framework == "kubernetes":
            assert results(report, check, "failed") == [], check
    objects = rendered(overlay)
    # Every ServiceAccount and every serving Deployment of the overlay was judged, and passed.
    accounts = {f"ServiceAccount.{o['metadata']['namespace']}.{o['metadata']['name']}"
                for o in objects if o["kind"] == "ServiceAccount"}
    assert accounts and set(results(report, "CKV2_SMLOPS_2", "passed")) == accounts
    serving = {f"Deployment.{NAMESPACE}.{o['metadata']['name']}"
               for o in objects if o["kind"] == "Deployment" and o["metadata"].get("namespace") == NAMESPACE}
    assert f"Deployment.{NAMESPACE}.inference" in serving
    assert set(results(report, "CKV_SMLOPS_3", "passed")) == serving
