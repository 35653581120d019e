"""The guides name only things that exist: scripts, repository paths, make targets, `secure-mlops`
commands, and the options they pass to the scripts and commands. docs/operator-guide.md is
checked whole; docs/runbook.md (whose procedures must run as written during an incident), the
auditor's guide (policies/README.md) and the data scientist's (docs/contracts.md) for their paths,
make targets and commands."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer

from secure_mlops.cli import app
from tests.support.paths import ROOT

GUIDE = ROOT / "docs" / "operator-guide.md"
GUIDES = (GUIDE, ROOT / "docs" / "runbook.md", ROOT / "policies" / "README.md", ROOT / "docs" / "contracts.md")
TEXT = GUIDE.read_text()


def _code(text: str) -> str:
    """Inline code spans and fenced blocks: where a guide names commands and paths."""
    return "\n".join(re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL) + re.findall(r"`([^`\n]+)`", text))


def _lines(code: str) -> list[str]:
    """Fenced lines joined across trailing backslashes, so a command continued on the next line is one line."""
    return [line.strip() for line in re.sub(r"\\\n\s*", " ", code).splitlines()]


CODE = _code(TEXT)
LINES = _lines(CODE)

TOP_FOLDERS = ("benchmarks", "docs", "infra", "k8s", "pipelines", "policies", "requirements", "scripts", "services",
               "src", "tests")
# A repository path: one of the top folders, then more of the path; never part of a longer path or URL.
PATH = re.compile(rf"(?<![\w/.:-])(?:{'|'.join(TOP_FOLDERS)})/[\w./-]*[\w/]")
# `secure-mlops <command>` where a command starts: line start, after a pipe or `$(`, after env assignments.
CLI_CALL = re.compile(r"(?:^|[|;&(][ \t]*)(?:[A-Z_]+=\S+[ \t]+)*secure-mlops((?:[ \t]+[a-z][a-z-]*){1,2})(.*)$",
                      re.MULTILINE)
SCRIPT_CALL = re.compile(r"(?:^|[|;&(][ \t]*)(scripts/[\w-]+\.sh)(.*)$", re.MULTILINE)
MAKE_CALL = re.compile(r"(?:^|[|;&(][ \t]*)make[ \t]+([a-z][a-z-]*)", re.MULTILINE)
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
SCRIPTS = ("build-images.sh", "push-and-pin.sh", "install-policies.sh", "bootstrap-vault.sh", "first-run.sh")
# Files the guide relies on that issue 9 adds beside it (release file, per-environment KFP launcher
# settings): they must exist once that work is in.
EXPECTED_FROM_ISSUE_9 = (
    "k8s/release/kustomization.yaml",
    "k8s/overlays/prod/pipeline/launcher.yaml",
    "k8s/overlays/prod/pipeline/serviceaccount.yaml",
)


def _paths(text: str = TEXT) -> set[str]:
    return {match.rstrip("/.") for match in PATH.findall(text) if not re.search(r"[<$*]", match)}


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found = {}
    for name, command in getattr(group, "commands", {}).items():
        found[(*prefix, name)] = command
        found.update(_commands(command, (*prefix, name)))
    return found


CLI = _commands(typer.main.get_command(app))


def _cli_command(words: list[str]) -> tuple[tuple[str, ...], Any]:
    """The longest registered command the words start with (`token create`, or `compile`)."""
    for size in (2, 1):
        key = tuple(words[:size])
        if len(key) == size and key in CLI:
            return key, CLI[key]
    return tuple(words[:1]), None


def _options_before_redirect(rest: str) -> set[str]:
    # Options of this command only: stop at a pipe, a redirection, a `;`, `&&` or a comment.
    own = re.split(r"\s(?:\||>|;|&&|#)", " " + rest)[0]
    return set(OPTION.findall(own))


def test_the_guide_names_every_script():
    for name in SCRIPTS:
        assert f"scripts/{name}" in TEXT, name


@pytest.mark.parametrize(("guide", "path"), [(g, p) for g in GUIDES for p in sorted(_paths(g.read_text()))],
                         ids=lambda v: v.name if isinstance(v, Path) else v)
def test_every_repository_path_the_guide_names_exists(guide, path):
    assert (ROOT / path).exists(), f"{guide.relative_to(ROOT)} names {path}, which is not in the repository"


def test_the_path_extraction_finds_the_guides_main_paths():
    assert {"k8s/overlays/prod", "infra/terraform/envs/prod", "infra/terraform/envs/dev", "policies/kubernetes",
            "k8s/release/kustomization.yaml", "scripts/push-and-pin.sh"} <= _paths()


@pytest.mark.parametrize("path", EXPECTED_FROM_ISSUE_9)
def test_the_files_the_guide_relies_on_from_issue_9_exist(path):
    assert path in _paths(), f"the guide no longer names {path}: update EXPECTED_FROM_ISSUE_9"
    assert (ROOT / path).is_file(), f"{path} does not exist yet"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_every_make_target_the_guide_names_is_in_the_makefile(guide):
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))
    named = set(MAKE_CALL.findall(_code(guide.read_text())))
    if guide != GUIDE and not named:
        return

    assert named, "the guide names no make target"
    assert named <= targets, f"not Makefile targets: {sorted(named - targets)}"


@pytest.mark.parametrize("guide", GUIDES, ids=lambda g: g.name)
def test_every_secure_mlops_command_and_option_the_guide_uses_exists(guide):
    lines = _lines(_code(guide.read_text()))
    calls = [(m.group(1).split(), m.group(2)) for line in lines for m in CLI_CALL.finditer(line)]
    assert calls, "the guide names no secure-mlops command"
    problems = []
    for words, rest in calls:
        if words[0] in {"command", "and", "or"}:  # prose inside a code span, not a call
            continue
        key, command = _cli_command(words)
        if command is None:
            problems.append(f"secure-mlops {' '.join(words)}: no such command")
            continue
        remaining = words[len(key):]
        accepted = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"--help"}
        unknown = _options_before_redirect(" ".join(remaining) + rest) - accepted
        if unknown:
            problems.append(f"secure-mlops {' '.join(key)}: unknown options {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_every_option_the_guide_passes_to_a_script_is_in_its_help():
    calls = [(m.group(1), m.group(2)) for line in LINES for m in SCRIPT_CALL.finditer(line)]
    assert {script for script, _ in calls} >= {f"scripts/{name}" for name in SCRIPTS}
    problems = []
    for script, rest in calls:
        help_text = subprocess.run([str(ROOT / script), "--help"], capture_output=True, text=True, timeout=30,
                                   check=True).stdout
        unknown = {opt for opt in _options_before_redirect(rest) if opt not in set(OPTION.findall(help_text))}
        if unknown:
            problems.append(f"{script}: options not in its --help: {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_the_guide_says_a_ui_upload_must_choose_the_pipeline_service_account():
    assert "choose the service account `secure-mlops-pipeline`" in TEXT
    assert "default-editor" in TEXT


def test_the_guide_lists_what_was_verified_without_a_cluster_and_has_no_todo():
    assert "## What was verified without a cluster" in TEXT
    assert not re.search(r"\b(TODO|FIXME|TBD|XXX)\b", TEXT)
