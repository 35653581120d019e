"""The validation gate's error: the dataset did not pass, so the pipeline must stop."""

from __future__ import annotations

from secure_mlops.errors import SecureMlopsError


class ValidationFailed(SecureMlopsError):
    """A dataset failed the validation gate; the message is the result's one-line summary.

    Like every project error it names columns and counts, never a value from the data.
    """

    exit_code = 9
