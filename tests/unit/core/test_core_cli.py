"""The command line's surface: help with examples everywhere, one-line errors, exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
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


def _registered(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and command group registered under `command`: (the words that call it, it)."""
    for name, sub in getattr(command, "commands", {}).items():
        yield (*prefix, name), sub
        yield from _registered(sub, (*prefix, name))


# Discovered from the app, so a command added later is covered without editing this list.
REGISTERED = dict(_registered(typer.main.get_command(app)))
COMMANDS = sorted(REGISTERED)


def test_the_discovered_commands_include_every_kind_of_command() -> None:
    """Not vacuous: top-level commands, groups and their subcommands are all found."""
    assert {("run",), ("compile",), ("submit",), ("serve",), ("minimize",), ("dev",), ("dev", "up"),
            ("token",), ("token", "create"), ("token", "list"), ("token", "revoke")} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_top_level_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    for (name,) in (command for command in COMMANDS if len(command) == 1):
        assert name in result.output


def test_exit_codes_are_distinct() -> None:
    codes = [e.exit_code for e in (
        ConfigError, InputError, PrivacyError, IntegrityError, VaultError, StorageError, ValidationFailed,
        PipelineError, ClusterError,
    )]
    assert len(set(codes)) == len(codes) and 1 not in codes and 2 not in codes


def test_error_hint_is_part_of_the_message() -> None:
    assert str(InputError("bad file", hint="use another")) == "bad file (use another)"
