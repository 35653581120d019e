"""The `secure-mlops` command line."""

from secure_mlops.cli.main import app, main

__all__ = ["app", "main"]
