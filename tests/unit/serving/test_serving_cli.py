"""`secure-mlops serve`: bad arguments and a bento that cannot be found fail before anything starts,
with one line and the input-error exit code. (Serving itself: tests/integration/test_serving_*.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from secure_mlops.cli import app
from secure_mlops.errors import InputError
from secure_mlops.serving.launch import resolve_bento, tls_env

runner = CliRunner()


def test_tls_needs_both_the_certificate_and_the_key(tmp_path: Path):
    cert = tmp_path / "tls.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\n")

    with pytest.raises(InputError, match="both --tls-cert and --tls-key"):
        tls_env(cert, None)
    with pytest.raises(InputError, match="is not a file"):
        tls_env(cert, tmp_path / "missing.key")
    assert tls_env(None, None) == {}


def test_a_folder_that_is_not_a_bento_is_refused(tmp_path: Path):
    from secure_mlops.config import get_settings

    with pytest.raises(InputError, match="not a bento folder"):
        resolve_bento(str(tmp_path), get_settings())


def test_serve_help_shows_an_example():
    shown = runner.invoke(app, ["serve", "--help"])

    assert shown.exit_code == 0 and "Example: secure-mlops serve --bento" in shown.output
