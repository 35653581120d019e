"""checkov's Kubernetes checks over every rendered overlay: no failed check, and a skip only
inline (a `checkov.io/skipN` annotation) with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.k8s import OVERLAYS, write_rendered_overlays
from tests.support.tools import checkov_reports


@pytest.fixture(scope="module")
def checkov_results(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """One checkov run per rendered overlay."""
    files = write_rendered_overlays(tmp_path_factory.mktemp("rendered"))
    return checkov_reports(files, "kubernetes")


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
