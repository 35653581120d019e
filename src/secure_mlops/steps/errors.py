"""How a pipeline step fails: one line naming the step and the reason, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from secure_mlops.errors import SecureMlopsError

# `secure-mlops run` looks for this marker in the step's output to report why a run failed.
FAILURE_MARKER = "secure-mlops step failed:"


@contextmanager
def step_errors(step: str) -> Iterator[None]:
    """Turn a project error inside a step into one line on stderr and the error's exit code.

    A traceback would show locals and arguments in the KFP UI's logs; the message is written to
    carry no data value or secret.
    """
    try:
        yield
    except SecureMlopsError as exc:
        print(f"{FAILURE_MARKER} [{step}] {exc}", file=sys.stderr, flush=True)
        raise SystemExit(exc.exit_code) from None
