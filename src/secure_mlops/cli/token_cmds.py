"""`secure-mlops token create | list | revoke`: the inference service's API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from secure_mlops.config import get_settings

if TYPE_CHECKING:
    from secure_mlops.serving.tokens import TokenStore

app = typer.Typer(
    help="Manage the inference service's API tokens. Only their SHA-256 hashes are stored, in "
    "SECURE_MLOPS_SERVING_TOKEN_FILE (default <state dir>/serving/tokens.json).\n\n"
    "Example: secure-mlops token create --name team-a > team-a.token",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _store() -> TokenStore:
    # Imported here so the rest of the CLI does not load the serving package.
    from secure_mlops.serving.tokens import TokenStore

    return TokenStore(get_settings().token_file)


@app.command()
def create(
    name: str = typer.Option(
        ..., "--name", "-n", help="Who the token is for: 1-63 of a-z, 0-9, '.', '_', '-' (e.g. team-a)."
    ),
) -> None:
    """Create a token and print it, once, on stdout; only its hash is kept.

    Example: secure-mlops token create --name team-a > team-a.token
    """
    store = _store()
    token = store.create(name)
    typer.echo(token)  # the only line on stdout, so `> file` or `$(...)` captures just the token
    typer.echo(f"created token {name!r} in {store.path}: store it now, it cannot be shown again", err=True)


@app.command("list")
def list_tokens() -> None:
    """List the tokens' names and creation times (UTC); never a token or a hash.

    Example: secure-mlops token list
    """
    tokens = _store().list()
    if not tokens:
        typer.echo("no tokens", err=True)
        return
    width = max(len("NAME"), *(len(info.name) for info in tokens))
    typer.echo(f"{'NAME':<{width}}  CREATED (UTC)")
    for info in tokens:
        typer.echo(f"{info.name:<{width}}  {info.created_at}")


@app.command()
def revoke(name: str = typer.Argument(..., help="Name of the token to revoke.")) -> None:
    """Revoke a token: the running service refuses it from its next request, without a restart.

    On a cluster the file is a mounted Secret: revoke in a copy of it, update the Secret, and
    the service notices once the kubelet refreshes the mounted file.
    Example: secure-mlops token revoke team-a
    """
    _store().revoke(name)
    typer.echo(f"revoked token {name!r}", err=True)
