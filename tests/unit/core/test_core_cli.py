"""The command line's surface: help with examples everywhere, one-line errors, exit codes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from secure_mlops.cli import app
from secure_mlops.errors import (
    ClusterError,
    ConfigError,
    InputError,
    IntegrityError,
    PipelineError,
    PrivacyError,
    StorageError,
    ValidationFailed,
    VaultError,
)

runner = CliRunner()
COMMANDS = [
    ["dev", "up"], ["dev", "down"], ["dev", "status"], ["minimize"], ["encrypt"], ["decrypt"],
    ["rewrap"], ["redact"], ["demo"], ["demo-data"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output or command[0] == "dev" and command[1] in {"down", "status"}


def test_top_level_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    for name in ("dev", "minimize", "encrypt", "decrypt", "rewrap", "redact", "demo"):
        assert name in result.output


def test_exit_codes_are_distinct() -> None:
    codes = [e.exit_code for e in (
        ConfigError, InputError, PrivacyError, IntegrityError, VaultError, StorageError, ValidationFailed,
        PipelineError, ClusterError,
    )]
    assert len(set(codes)) == len(codes) and 1 not in codes and 2 not in codes


def test_error_hint_is_part_of_the_message() -> None:
    assert str(InputError("bad file", hint="use another")) == "bad file (use another)"
