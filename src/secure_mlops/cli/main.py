"""Entry point: builds the Typer app and turns every error into one line and an exit code.

Exit codes: 0 ok, 1 unexpected error, 2 usage error, and each project error kind its own
(3 config, 4 input, 5 privacy gate, 6 integrity, 7 Vault, 8 storage, 9 validation gate,
10 pipeline run, 11 cluster; see secure_mlops.errors).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

import typer

from secure_mlops.cli import (
    crypto_cmds,
    demo_cmds,
    dev_cmds,
    pipeline_cmds,
    privacy_cmds,
    serve_cmds,
    token_cmds,
)
from secure_mlops.errors import SecureMlopsError

app = typer.Typer(
    name="secure-mlops",
    help="Train and serve models on personal data without leaking it.\n\n"
    "Settings come from environment variables prefixed SECURE_MLOPS_ and Vault's own "
    "(VAULT_ADDR, VAULT_TOKEN, ...); see the README.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # tracebacks could show locals holding secrets or data
    rich_markup_mode=None,  # plain one-line usage errors, parseable by scripts
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(dev_cmds.app, name="dev")
app.add_typer(token_cmds.app, name="token")
crypto_cmds.register(app)
privacy_cmds.register(app)
demo_cmds.register(app)
pipeline_cmds.register(app)
serve_cmds.register(app)

_DEBUG_ENV = "SECURE_MLOPS_DEBUG"


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
) -> None:
    if debug:
        os.environ[_DEBUG_ENV] = "1"
    from secure_mlops.redaction import install_log_redaction

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_redaction()


def main() -> None:
    try:
        app()
    except SecureMlopsError as exc:
        _print_traceback_if_debug()
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback by default
        _print_traceback_if_debug()
        typer.echo(
            f"error: unexpected {type(exc).__name__}; rerun with --debug for details", err=True
        )
        sys.exit(1)


def _print_traceback_if_debug() -> None:
    if os.environ.get(_DEBUG_ENV) == "1":
        traceback.print_exc()
