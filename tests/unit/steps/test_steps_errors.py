"""How a step fails: one line naming the step and the reason, and the error's exit code."""

from __future__ import annotations

import pytest

from secure_mlops.errors import ValidationFailed
from secure_mlops.steps import FAILURE_MARKER, step_errors


def test_a_project_error_becomes_one_marked_line_and_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited, step_errors("validate"):
        raise ValidationFailed("2 of 40 checks failed")

    assert exited.value.code == ValidationFailed("").exit_code
    captured = capsys.readouterr()
    assert captured.err == f"{FAILURE_MARKER} [validate] 2 of 40 checks failed\n" and captured.out == ""
