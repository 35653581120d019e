"""Trivy's misconfiguration checks, the second scanner beside checkov, over what checkov scans:
infra/terraform, the rendered kustomize overlays and both Dockerfiles. No HIGH or CRITICAL
finding stands without a reason: in Terraform and the Dockerfiles an inline
`# trivy:ignore:<ID> <reason>` comment above the block or instruction, in the rendered overlays
(kustomize drops comments) an entry with a `statement` in .trivyignore.yaml. Offline: the checks
embedded in the binary, nothing downloaded (tests/support/tools.py).

How each target reaches trivy, and why:
- Terraform: trivy skips symlinked files, and every .tf file of envs/prod is one, as are the
  variable files envs/dev includes from the modules. It therefore scans a copy with the links
  resolved, laid out like the checkout (policies/ beside infra/, for templatefile()), once with
  each environment's terraform.tfvars: every root module (the environments) and the modules they
  call, with the values they get there. Without values a bucket named by a variable cannot be
  tied to the hardening ./modules/hardened-bucket gives it, and trivy reports it unprotected.
- Overlays: rendered as the other manifest tests render them, one file per object named
  <overlay>_<Kind>_<namespace>_<name>.yaml, so that a finding names its object and an ignore can
  be scoped to one object; one flat folder, since trivy passes over a folder named `dev` at the
  top of what it scans (as it would /dev).
- Dockerfiles: scanned in place.
"""

from __future__ import annotations

import fnmatch
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.k8s import OVERLAYS, rendered
from tests.support.paths import K8S, POLICIES, ROOT, SERVICE_DIR, TERRAFORM
from tests.support.tools import trivy_config_reports

BLOCKING = {"HIGH", "CRITICAL"}
ENVS = sorted(p.name for p in (TERRAFORM / "envs").iterdir() if p.is_dir())
DOCKERFILES = {"pipeline": ROOT / "Dockerfile", "inference": SERVICE_DIR / "Dockerfile"}
IGNOREFILE = ROOT / ".trivyignore.yaml"
# The file name of one rendered object: <overlay>_<Kind>_<namespace, or "cluster">_<name>.yaml.
OBJECT_FILE = re.compile(r"(?P<overlay>[a-z]+)_(?P<kind>\w+)_(?P<namespace>[a-z0-9.-]+)_(?P<name>[a-z0-9.-]+)\.yaml")
INLINE_IGNORE = re.compile(r"trivy:ignore:(\S*)\s*(.*)")
MIN_REASON = 40


def _object_file(overlay: str, document: dict[str, Any]) -> str:
    metadata = document["metadata"]
    return f"{overlay}_{document['kind']}_{metadata.get('namespace', 'cluster')}_{metadata['name']}.yaml"


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, tuple[dict[str, Any], str]]:
    """Every trivy run of this module, started at once: one per environment, one over both
    overlays with .trivyignore.yaml and one without it (to tell a stale entry), one per Dockerfile."""
    checkout = tmp_path_factory.mktemp("checkout")
    terraform = checkout / "infra" / "terraform"
    shutil.copytree(TERRAFORM, terraform, symlinks=False, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    shutil.copytree(POLICIES, checkout / "policies")
    objects = tmp_path_factory.mktemp("rendered-overlays")
    for overlay in OVERLAYS:
        for document in rendered(overlay):
            (objects / _object_file(overlay, document)).write_text(yaml.safe_dump(document, sort_keys=False))

    runs = {f"terraform:{env}": ["--tf-vars", str(terraform / "envs" / env / "terraform.tfvars"), str(terraform)]
            for env in ENVS}
    runs["overlays"] = ["--ignorefile", str(IGNOREFILE), str(objects)]
    runs["overlays:unfiltered"] = [str(objects)]
    runs.update({f"dockerfile:{name}": [str(path)] for name, path in DOCKERFILES.items()})
    return trivy_config_reports(runs)


def _findings(report: dict[str, Any], severities: set[str] = BLOCKING) -> list[tuple[str, dict[str, Any]]]:
    """(target, misconfiguration) of every failed check of the given severities."""
    return [(result["Target"], check) for result in report.get("Results") or []
            for check in result.get("Misconfigurations") or []
            if check["Status"] == "FAIL" and check["Severity"] in severities]


def _passed(result: dict[str, Any]) -> int:
    """Checks passed on one target (trivy leaves the summary out when it ignored every finding)."""
    return result.get("MisconfSummary", {}).get("Successes", 0)


def _line(check: dict[str, Any]) -> str:
    return str(check["CauseMetadata"].get("StartLine") or "-")


def _unexplained(findings: list[str]) -> str:
    return ("HIGH or CRITICAL findings without a reason: fix each, or explain it (see this module's docstring):\n"
            + "\n".join(findings))


@pytest.mark.parametrize("env", ENVS)
@pytest.mark.control("secure-infra-defaults")
def test_terraform_has_no_high_or_critical_finding_without_a_reason(scans, env):
    report, log = scans[f"terraform:{env}"]
    findings = sorted({f"{check['AVDID']} infra/terraform/{Path(target).as_posix()}:{_line(check)} {check['Title']}"
                       for target, check in _findings(report)})

    assert findings == [], _unexplained(findings)
    # A scan of nothing is clean too: both environments were scanned, with checks that passed.
    roots = set(re.findall(r'Scanning root module\s+file_path="([^"]+)"', log))
    assert {f"envs/{e}" for e in ENVS} <= roots, log
    assert sum(map(_passed, report["Results"])) > 40


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.control("secure-infra-defaults")
def test_rendered_overlay_has_no_high_or_critical_finding_without_a_reason(scans, overlay):
    report, _ = scans["overlays"]
    findings = []
    for target, check in _findings(report):
        match = OBJECT_FILE.fullmatch(Path(target).name)
        assert match, target
        if match["overlay"] == overlay:
            findings.append(f"{check['AVDID']} k8s/overlays/{overlay}, rendered: {match['kind']} "
                            f"{match['namespace']}/{match['name']}:{_line(check)} {check['Title']}: {check['Message']}")

    assert sorted(findings) == [], _unexplained(sorted(findings))
    # Every object of the overlay was scanned, as Kubernetes.
    scanned = {Path(r["Target"]).name: r for r in report["Results"]}
    for document in rendered(overlay):
        result = scanned[_object_file(overlay, document)]
        assert result["Type"] == "kubernetes" and _passed(result) > 0


@pytest.mark.parametrize("name", DOCKERFILES)
@pytest.mark.control("secure-infra-defaults")
def test_dockerfile_has_no_high_or_critical_finding_without_a_reason(scans, name):
    report, _ = scans[f"dockerfile:{name}"]
    path = DOCKERFILES[name].relative_to(ROOT)
    findings = sorted(f"{check['AVDID']} {path}:{_line(check)} {check['Title']}" for _, check in _findings(report))

    assert findings == [], _unexplained(findings)
    (result,) = report["Results"]
    assert result["Type"] == "dockerfile" and _passed(result) > 20


def test_every_inline_trivy_ignore_names_a_check_and_gives_a_reason():
    sources = [*sorted(TERRAFORM.rglob("*.tf")), *DOCKERFILES.values()]
    for path in sources:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if match := INLINE_IGNORE.search(line):
                where = f"{path.relative_to(ROOT)}:{number}"
                assert re.fullmatch(r"AVD-[A-Z0-9]+-\d{4}", match[1]), f"{where}: ignore one check, by its AVD ID"
                assert len(match[2]) >= MIN_REASON, f"{where}: `# trivy:ignore:<ID> <reason>`, a reason a reviewer can judge"
    # kustomize drops comments: an inline ignore in k8s/ would never reach trivy.
    for path in sorted(K8S.rglob("*.yaml")):
        assert "trivy:ignore" not in path.read_text(encoding="utf-8"), f"{path}: use .trivyignore.yaml"


def test_every_trivyignore_entry_is_scoped_to_objects_reasoned_and_still_needed(scans):
    entries = yaml.safe_load(IGNOREFILE.read_text(encoding="utf-8"))
    assert set(entries) == {"misconfigurations"}, "only misconfigurations are scanned here"
    unfiltered, _ = scans["overlays:unfiltered"]
    found = [(Path(target).name, check) for target, check in _findings(unfiltered, {"LOW", "MEDIUM", *BLOCKING})]
    for entry in entries["misconfigurations"]:
        assert re.fullmatch(r"AVD-[A-Z0-9]+-\d{4}", entry["id"]), entry
        assert len(entry.get("statement", "")) >= MIN_REASON, f"{entry['id']}: give the reason in `statement`"
        # Scoped to named objects of the rendered overlays: only the overlay may be a wildcard.
        assert entry.get("paths"), f"{entry['id']}: name the objects it applies to in `paths`"
        for pattern in entry["paths"]:
            overlay, _, rest = pattern.partition("_")
            assert OBJECT_FILE.fullmatch(f"dev_{rest}") and overlay in {"*", *OVERLAYS} and "*" not in rest, pattern
            assert any(check["AVDID"] == entry["id"] and fnmatch.fnmatchcase(name, pattern) for name, check in found), (
                f"{entry['id']} {pattern} matches no finding any more: remove it")
