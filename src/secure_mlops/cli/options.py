"""Option types shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

from secure_mlops.errors import InputError


def input_file(help_text: str) -> Path:
    return typer.Option(..., "--input", "-i", exists=True, dir_okay=False, readable=True, help=help_text)


def output_file(help_text: str) -> Path:
    return typer.Option(..., "--output", "-o", dir_okay=False, writable=True, help=help_text)


def distinct(input_path: Path, output_path: Path) -> None:
    """Refuse to write over the input: a failure halfway must never cost the user the original."""
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise InputError(f"--output {output_path} is the input file", hint="choose another output path")


CONTRACT_HELP = "Data contract (YAML). Default: policies/data/patients.contract.yaml of the project."


def contract_option() -> Path:
    return typer.Option(None, "--contract", exists=True, dir_okay=False, help=CONTRACT_HELP)


def contract_or_default(contract: Path | None) -> Path:
    """The given contract, or the project's example one (found from any working directory)."""
    if contract is not None:
        return contract
    from secure_mlops.config import get_settings

    default = get_settings().project_root / "policies" / "data" / "patients.contract.yaml"
    if not default.is_file():
        raise InputError(f"no contract at {default}", hint="pass --contract or set SECURE_MLOPS_PROJECT_ROOT")
    return default
