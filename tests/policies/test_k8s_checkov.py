"""checkov's Kubernetes checks over every rendered overlay: no failed check, and a skip only
inline (a `checkov.io/skipN` annotation) with its reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.policies.test_k8s_manifests import OVERLAYS, rendered
from tests.support.tools import venv_tool

CHECKOV_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def checkov_results(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """One checkov run per overlay, both started at once (each takes seconds of start-up)."""
    checkov = venv_tool("checkov")
    folder = tmp_path_factory.mktemp("rendered")
    runs = {}
    for overlay in OVERLAYS:
        path = folder / f"{overlay}.yaml"
        path.write_text(yaml.safe_dump_all(rendered(overlay)))
        runs[overlay] = subprocess.Popen(
            [checkov, "-f", str(path), "--framework", "kubernetes", "--skip-download", "-o", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(folder))
    results = {}
    for overlay, run in runs.items():
        out, err = run.communicate(timeout=CHECKOV_TIMEOUT_SECONDS)
        assert out.strip(), f"checkov printed nothing for {overlay}: {err[-2000:]}"
        results[overlay] = json.loads(out)
    return results


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_no_failed_check_in_the_rendered_overlay(checkov_results, overlay):
    report = checkov_results[overlay]
    failed = [(c["check_id"], c["resource"], c["check_name"]) for c in report["results"]["failed_checks"]]

    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 100, "checkov checked far less than the overlay holds"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_checkov_skip_is_inline_with_a_reason(checkov_results, overlay):
    for check in checkov_results[overlay]["results"]["skipped_checks"]:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason) > 20, f"{check['check_id']} on {check['resource']} is skipped without a reason"
