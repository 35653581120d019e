"""`secure-mlops dev up | down | status`: the local development Vault."""

from __future__ import annotations

import typer

from secure_mlops.config import get_settings

app = typer.Typer(
    help="Run a local OpenBao (Vault-compatible) server that keeps its data between runs.\n\n"
    "Example: secure-mlops dev up && secure-mlops dev status",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command()
def up() -> None:
    """Start the local Vault (initialize and provision Transit on first use, unseal later).

    Storage and a 0600 credentials file (development default) live under
    SECURE_MLOPS_STATE_DIR. Example: SECURE_MLOPS_DEV_VAULT_PORT=8300 secure-mlops dev up
    """
    from secure_mlops.vault.credentials import credentials_path
    from secure_mlops.vault.dev import DevVault

    settings = get_settings()
    status = DevVault(settings).up()
    typer.echo(f"local Vault is up at {status.addr} (pid {status.pid}), unsealed, Transit ready")
    typer.echo(f"credentials (development default): {credentials_path(settings.state_dir)}")


@app.command()
def down() -> None:
    """Stop the local Vault. Its data stays; `dev up` unseals it again.

    Example: secure-mlops dev down && secure-mlops dev up
    """
    from secure_mlops.vault.dev import DevVault

    stopped = DevVault(get_settings()).down()
    typer.echo("local Vault stopped" if stopped else "local Vault was not running")


@app.command()
def status() -> None:
    """Show whether the local Vault runs, and whether it is sealed. Exit 1 when it is not up.

    Example: secure-mlops dev status || secure-mlops dev up
    """
    from secure_mlops.vault.dev import DevVault

    st = DevVault(get_settings()).status()
    if not st.running:
        port = st.addr.rsplit(":", 1)[1]
        taken = f"; port {port} is used by {st.port_owner}" if st.port_owner else ""
        typer.echo(f"local Vault is not running (state in {st.state_dir}){taken}")
        raise typer.Exit(1)
    sealed = "unknown" if st.sealed is None else ("sealed" if st.sealed else "unsealed")
    typer.echo(f"local Vault is running at {st.addr} (pid {st.pid}), {sealed}; state in {st.state_dir}")
