"""Option types shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import typer

from secure_mlops.errors import InputError, StorageError
from secure_mlops.storage.atomic import check_replaceable

# `-o -`: the command writes to stdout, as it goes, without a temp file or a rename.
STDOUT = Path("-")
OUTPUT_RULES = (
    "An existing file is replaced only once the new one is complete; a symbolic link, device, FIFO "
    "or folder there is refused (name the link's target instead)."
)


def input_file(help_text: str) -> Path:
    return typer.Option(..., "--input", "-i", exists=True, dir_okay=False, readable=True, help=help_text)


def output_file(
    help_text: str,
    *,
    stdout: bool = False,
    no_stdout: str = "this command writes a file",
    names: tuple[str, ...] = ("--output", "-o"),
    required: bool = True,
) -> Path:
    """A file a command writes. `-` means stdout when `stdout`; else it is refused, `no_stdout`
    saying why. Not `required`: None when not given."""
    dash = " Use - for stdout." if stdout else ""
    return typer.Option(... if required else None, *names, metavar="FILE", parser=_output_parser(stdout, no_stdout),
                        help=f"{help_text}{dash} {OUTPUT_RULES}")


def _output_parser(stdout: bool, no_stdout: str) -> Callable[[str], Path]:
    def parse(value: str) -> Path:
        if value == str(STDOUT):
            if stdout:
                return STDOUT
            raise typer.BadParameter(f"- (stdout) is not supported: {no_stdout}")
        path = Path(value)
        # Path() drops a trailing slash: "newdir/" would otherwise become a file named newdir.
        if value.endswith(("/", os.sep)) or path.is_dir():
            raise typer.BadParameter(f"{value} names a folder: name a file in it, e.g. {path / 'NAME'}")
        try:
            check_replaceable(path)
        except StorageError as exc:
            raise typer.BadParameter(str(exc)) from None
        return path

    return parse


def distinct(*files: tuple[str, Path | None]) -> None:
    """Refuse two options naming one file: writing one must never destroy another (the input, the
    output). An existing file is known by its device and inode (so a hard link or another
    spelling is caught), a file yet to be written by its absolute path."""
    seen: dict[object, str] = {}
    for option, path in files:
        if path is None or path == STDOUT:
            continue
        key = _identity(path)
        if key in seen:
            raise InputError(f"{option} {path} is the same file as {seen[key]}", hint=f"choose another {option}")
        seen[key] = option


def _identity(path: Path) -> object:
    try:
        status = path.stat()
    except OSError:
        return path.resolve()
    return status.st_dev, status.st_ino


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


# Placeholders in --help read as words (`--data URI`, `--rows N`, `--contract FILE`), not as
# Python types (`<list[Path]>`, `<int range>`): by the option's name where its type says too
# little (a str that is a URI), else by its type.
_WORDS_BY_OPTION = {"--data": "URI", "--release-uri": "URI", "--vault-addr": "URL", "--param": "NAME=VALUE"}
_WORDS_BY_TYPE = {"int": "N", "float": "NUMBER", "str": "TEXT", "path": "PATH", "file": "FILE", "directory": "DIR",
                  "dir": "DIR", "bool": "BOOLEAN"}


def placeholder(option_names: list[str], shown: str, param_type: object) -> str:
    """The word for an option's value: `shown` is what typer would print, e.g. '<list[Path]>'."""
    named = next((_WORDS_BY_OPTION[name] for name in option_names if name in _WORDS_BY_OPTION), None)
    if named:
        return named
    inner = shown.strip("<>")
    if "|" in inner:
        return "[" + inner.removeprefix("list[").removesuffix("]") + "]"  # choices stay choices
    inner = inner.removeprefix("list[").removesuffix("]").split()[0] if inner else "TEXT"
    long_names = [name for name in option_names if name.startswith("--")]
    if inner.lower() == "str" and long_names:
        return long_names[0].rsplit("-", 1)[-1].upper()  # --kms-key-arn ARN, --namespace NAMESPACE
    if inner.lower() == "path" and getattr(param_type, "dir_okay", True) is False:
        return "FILE"
    if inner.lower() == "path" and getattr(param_type, "file_okay", True) is False:
        return "DIR"
    return _WORDS_BY_TYPE.get(inner.lower(), inner.upper())


def use_word_placeholders() -> None:
    """Make every command's --help show `placeholder` words; call once, before the app runs."""
    from typer import core

    original = core._TyperParameter.display_type
    if getattr(original, "_words", False):
        return

    def display_type(self: core._TyperParameter, ctx: object) -> str:
        return placeholder(list(getattr(self, "opts", [])), original(self, ctx), getattr(self, "type", None))

    display_type._words = True  # type: ignore[attr-defined]
    core._TyperParameter.display_type = display_type  # type: ignore[method-assign]
