"""Entry point: builds the Typer app and turns every error into one line and an exit code.

Exit codes: 0 ok, 1 unexpected error, 2 usage error, and each project error kind its own
(3 config, 4 input, 5 privacy gate, 6 integrity, 7 Vault, 8 storage, 9 validation gate,
10 pipeline run, 11 cluster, 12 audit; see secure_mlops.errors); 128 + the signal's number when stopped
by SIGINT (130), SIGTERM (143) or SIGHUP (129) after cleaning up.

The process exits only after the `try`: exiting from inside an `except` block would keep the
error, its traceback and every frame on it (an open pyarrow reader among them) alive until the
interpreter tears itself down, where destroying them in a random order can abort the process.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback

import typer

from secure_mlops.cli import (
    audit_cmds,
    contract_cmds,
    crypto_cmds,
    demo_cmds,
    deploy_cmds,
    detokenize_cmds,
    dev_cmds,
    keys_cmds,
    pipeline_cmds,
    privacy_cmds,
    quarantine_cmds,
    serve_cmds,
    token_cmds,
    verify_cmds,
)
from secure_mlops.cli.options import use_word_placeholders
from secure_mlops.errors import SecureMlopsError
from secure_mlops.storage.termination import Terminated

use_word_placeholders()

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
app.add_typer(audit_cmds.app, name="audit")
app.add_typer(keys_cmds.app, name="keys")
app.add_typer(contract_cmds.app, name="contract")
crypto_cmds.register(app)
privacy_cmds.register(app)
demo_cmds.register(app)
pipeline_cmds.register(app)
serve_cmds.register(app)
verify_cmds.register(app)
deploy_cmds.register(app)
quarantine_cmds.register(app)
detokenize_cmds.register(app)

_DEBUG_ENV = "SECURE_MLOPS_DEBUG"


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"secure-mlops {version('secure-mlops')}")
        raise typer.Exit()


@app.callback()
def _root(
    _version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                  help="Print the version and exit."),
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
    sys.exit(_run())


def _run() -> int:
    """Run the app (click ends it with SystemExit); one line on stderr for any other failure."""
    try:
        app()
    except SecureMlopsError as exc:
        _print_traceback_if_debug()
        typer.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except Terminated as exc:
        typer.echo(f"terminated by {exc}", err=True)
        return 128 + exc.signum
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback by default
        _print_traceback_if_debug()
        typer.echo(
            f"error: unexpected {type(exc).__name__}; rerun with --debug for details", err=True
        )
        return 1
    return 0


def _print_traceback_if_debug() -> None:
    # A traceback quotes exception messages (hvac's can hold the token it sent) and source
    # lines: it goes through the same redactor as the logs.
    if os.environ.get(_DEBUG_ENV) == "1":
        from secure_mlops.redaction import redact

        sys.stderr.write(redact(traceback.format_exc()))
