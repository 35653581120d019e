"""The `secure-mlops` command line.

Each command imports its heavy dependencies (KFP, BentoML, Great Expectations, scikit-learn)
only when it runs. Errors become one line on stderr and an exit code, with no traceback unless
`--debug`; no secret is printed but the API token that `token create` shows once.
"""

from secure_mlops.cli.main import app, main

__all__ = ["app", "main"]
