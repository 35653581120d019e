from __future__ import annotations

import subprocess
import sys

HEAVY_OR_REMOTE = ("great_expectations", "bentoml", "hvac", "boto3")


def test_privacy_does_not_import_heavy_or_remote_clients() -> None:
    code = ("import sys, secure_mlops.privacy; "
            f"print(','.join(m for m in {HEAVY_OR_REMOTE!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
