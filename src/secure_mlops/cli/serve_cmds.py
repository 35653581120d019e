"""`secure-mlops serve`: the inference service of a signed bento, on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from secure_mlops.config import get_settings

if TYPE_CHECKING:
    from secure_mlops.config import Settings
    from secure_mlops.serving.launch import Served


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    bento: str = typer.Option(
        None, "--bento", help="Bento tag (name:version) or bento folder. Default: the newest bento in the local store."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(3000, "--port", min=1, max=65535, help="Port to listen on."),
    tls_cert: Path = typer.Option(None, "--tls-cert", dir_okay=False, help="Certificate (PEM) for HTTPS."),
    tls_key: Path = typer.Option(None, "--tls-key", dir_okay=False, help="Private key (PEM) of the certificate."),
    try_it: bool = typer.Option(False, "--try-it", help="Start it on a free loopback port, send one prediction with a "
                                "(then revoked) token and one without, print both answers, and stop."),
) -> None:
    """Serve a bento with `bentoml serve`, once its signed release verifies (exit 6 if not).

    Callers need a token (`secure-mlops token create --name NAME`); /livez and /readyz are open.

    Example: secure-mlops serve --bento secure-mlops-inference:abc123 --port 3000
    then: curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json'
    -d '{"mean_radius": 14.1, ...}' http://127.0.0.1:3000/predict
    """
    from secure_mlops.serving.launch import (
        check_release,
        resolve_bento,
        run_server,
        serve_argv,
        server_environment,
        tls_env,
    )

    settings = get_settings()
    tls = tls_env(tls_cert, tls_key)
    served = check_release(resolve_bento(bento, settings), settings)
    if try_it:
        _try(served, settings)
        return
    scheme = "https" if tls else "http"
    typer.echo(f"serving {served.bento_tag} (model {served.model_tag}, signed release verified) "
               f"on {scheme}://{host}:{port}", err=True)
    with server_environment(settings, tls) as env:
        code = run_server(serve_argv(served.bento_dir, host, port), env)
    if code not in (0, -2, -15):  # stopped by SIGINT/SIGTERM is a normal end
        raise typer.Exit(code)


def _try(served: Served, settings: Settings) -> None:
    from secure_mlops.serving.tryout import try_service

    typer.echo(f"trying {served.bento_tag} (model {served.model_tag}, signed release verified)")
    with_token, without = try_service(served, settings, settings.state_dir / "serve-try.log", typer.echo)
    typer.echo(f"POST /predict with a token:    {with_token.status} {with_token.body}")
    typer.echo(f"POST /predict without a token: {without.status} {without.body}")
    typer.echo("start it again with: secure-mlops token create --name NAME   (prints a token, once)")
    typer.echo(f"                     secure-mlops serve --bento {served.bento_tag}")
