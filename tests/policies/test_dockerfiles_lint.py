"""The two images' Dockerfiles (the pipeline step image at the root, the inference service's):
hadolint-clean, no failed checkov check (a skip only inline, with its reason), and built the
way the project promises: pinned base, hash-checked lock, non-root numeric user."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest

from tests.support.paths import ROOT, SERVICE_DIR
from tests.support.tools import checkov_reports, venv_tool

DOCKERFILES = {"pipeline": ROOT / "Dockerfile", "inference": SERVICE_DIR / "Dockerfile"}
BASE_IMAGE = re.compile(r"^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$")
TIMEOUT_SECONDS = 300


def _instructions(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILES[name].read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _final_stage(name: str) -> list[tuple[str, str]]:
    instructions = _instructions(name)
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


@pytest.fixture(scope="module")
def checkov_results() -> dict[str, dict[str, Any]]:
    """One checkov run per Dockerfile."""
    return checkov_reports(DOCKERFILES, "dockerfile")


@pytest.mark.parametrize("name", DOCKERFILES)
def test_checkov_finds_no_failed_check(checkov_results, name):
    report = checkov_results[name]

    assert [(c["check_id"], c["check_name"]) for c in report["results"]["failed_checks"]] == []
    assert report["summary"]["parsing_errors"] == 0 and report["summary"]["passed"] > 30


@pytest.mark.parametrize("name", DOCKERFILES)
def test_every_checkov_skip_is_inline_with_a_reason(checkov_results, name):
    for check in checkov_results[name]["results"]["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment", "")) > 20, check["check_id"]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_hadolint_reports_nothing(name):
    done = subprocess.run([venv_tool("hadolint"), "--no-color", "-f", "json", str(DOCKERFILES[name])],
                          capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)

    assert json.loads(done.stdout or "[]") == [], done.stdout
    assert done.returncode == 0, done.stderr


@pytest.mark.control("pinned-supply-chain")
def test_both_images_start_from_the_same_base_pinned_by_digest():
    bases = set()
    for name in DOCKERFILES:
        stages: set[str] = set()
        for op, args in _instructions(name):
            if op == "FROM":
                image, _, alias = args.partition(" AS ")
                if image not in stages:  # not a previous stage: a registry image
                    assert BASE_IMAGE.match(image), f"{name}: {image} is not pinned by digest"
                    bases.add(image)
                stages.add(alias.strip())
    assert len(bases) == 1


@pytest.mark.parametrize("name", DOCKERFILES)
@pytest.mark.control("pinned-supply-chain")
def test_dependencies_install_hash_checked_from_the_lock(name):
    installs = [args for op, args in _instructions(name) if op == "RUN" and "pip install" in args]

    assert any("--require-hashes" in a and re.search(r"-r requirements/(lock\.txt|inference\.lock)", a) for a in installs)
    assert all("--no-cache-dir" in a for a in installs)


@pytest.mark.parametrize("name", DOCKERFILES)
@pytest.mark.control("hardened-runtime")
def test_final_stage_runs_as_a_numeric_non_root_user_without_build_tools(name):
    final = _final_stage(name)
    users = [args for op, args in final if op == "USER"]

    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), users
    last_write = max(i for i, (op, _) in enumerate(final) if op in {"COPY", "RUN"})
    assert [op for op, _ in final].index("USER") > last_write, "USER after the last COPY/RUN: files stay root-owned"
    for op, args in final:
        assert not (op == "RUN" and re.search(r"apt-get|apk |pip install|gcc|make ", args)), args
        assert op != "ADD", "ADD fetches URLs and unpacks archives; COPY says what it does"


def test_inference_image_serves_the_bento_with_a_health_check():
    final = dict(_final_stage("inference"))

    assert json.loads(final["ENTRYPOINT"]) == ["bentoml", "serve", "/home/bentoml/bento"]
    assert "/livez" in final["HEALTHCHECK"]
    assert final["EXPOSE"] == "3000"
    assert "BENTOML_HOME=/tmp/bentoml" in final["ENV"]


def test_inference_build_context_admits_only_the_lock_and_the_bento():
    ignore = (DOCKERFILES["inference"].parent / "Dockerfile.dockerignore").read_text().split("\n")
    rules = [line for line in ignore if line and not line.startswith("#")]

    assert rules == ["*", "!requirements/inference.lock", "!build/bento"]
    copied = [args.split()[0] for op, args in _instructions("inference")
              if op == "COPY" and "--from" not in args]
    assert copied == ["requirements/inference.lock", "build/bento"]


def test_pipeline_image_keeps_its_project_layout():
    final = _final_stage("pipeline")
    env = " ".join(args for op, args in final if op == "ENV")

    assert "SECURE_MLOPS_PROJECT_ROOT=/app" in env
    # The inference lock: the package step makes the inference image's SBOM from it.
    assert {args.split()[0] for op, args in final if op == "COPY" and "--from" not in args} == {
        "policies", "services", "k8s", "requirements/inference.lock"}
