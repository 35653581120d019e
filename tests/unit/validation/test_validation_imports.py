from __future__ import annotations

import subprocess
import sys


def test_great_expectations_not_imported_at_package_import() -> None:
    # Its import takes seconds: it must never be on a CLI start-up path.
    code = ("import sys, secure_mlops.validation; "
            "print(','.join(m for m in ('great_expectations', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
