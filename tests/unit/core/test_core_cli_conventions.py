"""Command-line conventions: --version, placeholders that read as words, the compiled pipeline
found from any working directory."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from secure_mlops.cli import app
from secure_mlops.cli.options import placeholder

runner = CliRunner()


def _commands(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name)
        yield from _commands(sub, (*prefix, name))


COMMANDS = sorted(_commands(typer.main.get_command(app)))


def test_version_prints_the_installed_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"secure-mlops {version('secure-mlops')}\n"


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=lambda c: " ".join(c) or "top")
def test_no_help_shows_a_python_type_as_a_placeholder(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    # The first column: the option's names and its placeholder, e.g. "-o, --out DIR".
    heads = [re.split(r"\s{2,}", line.strip())[0] for line in result.output.splitlines() if re.match(r"^\s+-", line)]
    assert not [head for head in heads if re.search(r"<|list\[|\b(str|int|float|Path)\b", head)], heads


@pytest.mark.parametrize(("names", "shown", "word"), [
    (["--contract"], "<list[Path]>", "PATH"), (["--rows"], "<int range>", "N"), (["--psi"], "<float>", "NUMBER"),
    (["--data"], "<str>", "URI"), (["--namespace"], "<str>", "NAMESPACE"), (["--kms-key-arn"], "<str>", "ARN"),
    (["--format"], "<json|text>", "[json|text]"), (["--out"], "<directory>", "DIR"),
])
def test_placeholders_are_words(names: list[str], shown: str, word: str) -> None:
    assert placeholder(names, shown, None) == word


def test_run_help_reads_as_words() -> None:
    result = runner.invoke(app, ["run", "--help"], terminal_width=200)
    for shown in ("--data URI", "--contract FILE", "--param NAME=VALUE", "--parallelism N"):
        assert shown in result.output


def test_compile_writes_the_projects_pipeline_from_any_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from secure_mlops.cli import pipeline_cmds

    project = tmp_path / "project"
    monkeypatch.setattr(pipeline_cmds, "_compiled", lambda: project / pipeline_cmds.COMPILED)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compile"])
    assert result.exit_code == 0, result.output
    assert (project / pipeline_cmds.COMPILED).is_file() and not (tmp_path / pipeline_cmds.COMPILED).exists()


def test_the_compiled_pipeline_is_the_projects(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from secure_mlops.cli import pipeline_cmds
    from secure_mlops.config import get_settings

    monkeypatch.chdir(tmp_path)
    assert pipeline_cmds._compiled() == get_settings().project_root / "pipelines" / "compiled" / "secure-mlops.yaml"
    assert pipeline_cmds._compiled().is_file()
