"""`secure-mlops keys rotate | rewrap | retire | shred`: a Transit key's versions, from rotation to
crypto-shredding (infra/terraform/README.md, sections 6 and 7; docs/runbook.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from secure_mlops.config import get_settings
from secure_mlops.errors import InputError, IntegrityError, StorageError, VaultError

if TYPE_CHECKING:
    from secure_mlops.vault.lifecycle import KeyVersions
    from secure_mlops.vault.wrapped_objects import RewrapReport, VersionScan

app = typer.Typer(
    help="Rotate Transit keys, re-wrap encrypted objects, retire old key versions and crypto-shred "
    "them. rotate and retire need the operator policy, shred the key-shredder policy, rewrap the "
    "pipeline identity.\n\n"
    "Example: secure-mlops keys rotate && secure-mlops keys rewrap s3://lake/datasets/",
    no_args_is_help=True,
    rich_markup_mode=None,
)

KEY_HELP = "Which key: data, pseudonym, signing (the configured names), or a Transit key name."
# Names listed per group before "... and N more": enough to act on, short enough to read.
MAX_NAMES = 20


def _key_option() -> str:
    return typer.Option("data", "--key", "-k", metavar="KEY", help=KEY_HELP)


def _below_option() -> int:
    return typer.Option(..., "--below", min=2, metavar="N", help="The oldest version that stays: versions below it go.")


@app.command()
def rotate(key: str = _key_option()) -> None:
    """Add a new version to a Transit key and print it; older versions keep working until retired.

    Rotating the pseudonym key changes every pseudonym later runs make (infra/terraform/README.md,
    section 6). Example: secure-mlops keys rotate --key data
    """
    from secure_mlops.vault import connect
    from secure_mlops.vault.lifecycle import resolve_key_name, rotate_key

    settings = get_settings()
    state = rotate_key(connect(settings), resolve_key_name(key, settings), mount=settings.transit_mount)
    typer.echo(f"rotated {state.name}: latest version {state.latest}")
    _echo_versions(state)


@app.command()
def rewrap(
    prefix: str = typer.Argument(..., metavar="PREFIX", help="A local folder, or s3://BUCKET/PREFIX."),
) -> None:
    """Re-wrap the data key of every encrypted object under PREFIX under the newest version of the
    data key, without touching the data; each object is replaced atomically, and only if it did not
    change meanwhile (S3: a conditional PUT). Files that are not encrypted are listed by name.

    Needs the pipeline identity (transit/decrypt and transit/rewrap). Exit 6 if an object is
    damaged, 7 if one is under a version Vault no longer decrypts, 8 if one changed meanwhile.
    Example: secure-mlops keys rewrap s3://lake/datasets/
    """
    from secure_mlops.vault import data_key_service
    from secure_mlops.vault.wrapped_objects import rewrap_objects

    settings = get_settings()
    report = rewrap_objects(prefix, data_key_service(settings), settings.data_key_name)
    _echo_report(report, settings.data_key_name)
    _fail_if_left_behind(report)


@app.command()
def retire(
    below: int = _below_option(),
    key: str = _key_option(),
    check: list[str] = typer.Option(
        [], "--check", metavar="PREFIX",
        help="Refuse if an object under this local folder or s3:// prefix is still wrapped under a version "
        "below N (repeatable). Reads headers only.",
    ),
) -> None:
    """Raise min_decryption_version (and min_encryption_version) of a key to N: Vault then refuses
    older versions. Reversible until shredded: lower it again to undo.

    Set the same vault_transit.min_version in terraform.tfvars, or the next apply undoes it.
    Example: secure-mlops keys retire --below 3 --check s3://lake/datasets/
    """
    from secure_mlops.vault import connect
    from secure_mlops.vault.lifecycle import resolve_key_name, retire_versions
    from secure_mlops.vault.wrapped_objects import scan_versions

    settings = get_settings()
    name = resolve_key_name(key, settings)
    for prefix in check:
        _check_nothing_below(scan_versions(prefix), prefix, name, below)
    state, changed = retire_versions(connect(settings), name, below, mount=settings.transit_mount)
    if changed:
        typer.echo(f"retired versions below {below} of {name}")
    else:
        typer.echo(f"versions below {below} of {name} were already retired; nothing changed")
    _echo_versions(state)
    if name == settings.signing_key_name:
        typer.echo(f"warning: releases signed under versions below {below} no longer verify", err=True)
    typer.echo(f"keep Terraform in step: vault_transit.min_version = {below} for this key in terraform.tfvars, "
               "or the next apply lowers it again", err=True)


@app.command()
def shred(
    below: int = _below_option(),
    key: str = _key_option(),
    yes: bool = typer.Option(False, "--yes", help="Confirm: the versions and every object wrapped under them are lost."),
) -> None:
    """Crypto-shred: delete the key versions below N from Vault for good (trim). Every object whose
    data key was wrapped under them becomes unreadable, wherever copies of it are.

    Irreversible, so --yes is required, and the versions must be retired first
    (`secure-mlops keys retire`). Needs the key-shredder policy; never the signing key.
    Example: secure-mlops keys shred --below 3 --yes
    """
    from secure_mlops.vault import connect
    from secure_mlops.vault.lifecycle import resolve_key_name, shred_versions

    settings = get_settings()
    name = resolve_key_name(key, settings)
    if not yes:
        raise InputError(f"shredding versions below {below} of {name} cannot be undone",
                         hint="pass --yes once what must survive is re-wrapped and the versions are retired")
    state, destroyed = shred_versions(connect(settings), name, below, mount=settings.transit_mount,
                                      signing_key_name=settings.signing_key_name)
    if destroyed:
        typer.echo(f"shredded versions {', '.join(map(str, destroyed))} of {name}")
    else:
        typer.echo(f"no version below {below} of {name} was left; nothing changed")
    _echo_versions(state)


def _echo_versions(state: KeyVersions) -> None:
    typer.echo(f"{state.name}: versions {state.min_available or 1}-{state.latest} kept, "
               f"min_decryption_version {state.min_decryption}")


def _check_nothing_below(scan: VersionScan, prefix: str, key_name: str, below: int) -> None:
    old = scan.below(key_name, below)
    for name in scan.damaged:
        typer.echo(f"warning: {name} looks encrypted but its header is damaged", err=True)
    if old:
        listed = ", ".join(f"{o.name} (v{o.key_version})" for o in old[:MAX_NAMES])
        more = f" and {len(old) - MAX_NAMES} more" if len(old) > MAX_NAMES else ""
        raise InputError(
            f"{len(old)} object(s) under {prefix} are still wrapped under versions below {below} of {key_name}: "
            f"{listed}{more}",
            hint=f"re-wrap them first (`secure-mlops keys rewrap {prefix}`), or leave them out on purpose "
            "(a dataset to shred) by checking another prefix",
        )


def _echo_report(report: RewrapReport, key_name: str) -> None:
    newest = f" (v{report.newest})" if report.newest else ""
    typer.echo(f"rewrapped {len(report.rewrapped)}, already newest {len(report.already_newest)}{newest}, "
               f"not encrypted {len(report.not_envelopes)}, other key {len(report.other_key)}, "
               f"left behind {len(report.left_behind)}")
    groups = (("not encrypted", report.not_envelopes), (f"not wrapped under {key_name}", report.other_key),
              ("damaged, left as it was", report.damaged),
              ("under a version Vault no longer decrypts", report.retired),
              ("changed meanwhile, left as it was", report.changed))
    for label, names in groups:
        for name in names[:MAX_NAMES]:
            typer.echo(f"{label}: {name}", err=True)
        if len(names) > MAX_NAMES:
            typer.echo(f"{label}: ... and {len(names) - MAX_NAMES} more", err=True)


def _fail_if_left_behind(report: RewrapReport) -> None:
    if report.damaged:
        raise IntegrityError(f"{len(report.damaged)} object(s) failed verification and were not re-wrapped",
                             hint="restore them from an earlier version, or remove them")
    if report.retired:
        raise VaultError(f"{len(report.retired)} object(s) are under a key version Vault no longer decrypts",
                         hint="lower min_decryption_version to re-wrap them, unless they are meant to be shredded")
    if report.changed:
        raise StorageError(f"{len(report.changed)} object(s) changed while being re-wrapped and were left as they were",
                           hint="run the same command again")
