"""The version of each engine a control's evidence rests on, as installed where the audit runs.

An auditor reads "checkov 3.3.30" next to a control, not "checkov": the verdict of a policy engine
depends on its version. Python engines are read from their package metadata; the others from their
own `version` output, found where `make test` installs them (the project's venv, the tools venv)
or on PATH. An engine that cannot be found is reported as "not installed" rather than guessed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Final

NOT_INSTALLED: Final = "not installed"
# Engines that are Python packages of the project's lock: engine name -> distribution name.
_PACKAGES: Final = {
    "pytest": "pytest",
    "kfp-local": "kfp",
    "bentoml": "bentoml",
    "great-expectations": "great-expectations",
    "moto": "moto",
    "cel": "cel-expr-python",
}
# Engines that are programs: engine name -> (executable, arguments that print its version).
_PROGRAMS: Final = {
    "openbao": ("bao", ("version",)),
    "checkov": ("checkov", ("--version",)),
    "hadolint": ("hadolint", ("--version",)),
    "terraform": ("terraform", ("version",)),
    "trivy": ("trivy", ("--version",)),
}
KNOWN_ENGINES: Final = frozenset(_PACKAGES) | frozenset(_PROGRAMS)
_VERSION: Final = re.compile(r"\bv?([0-9]+(?:\.[0-9]+)+)\b")


def engine_version(engine: str, project_root: Path) -> str:
    """The installed version of `engine` (one of KNOWN_ENGINES), or NOT_INSTALLED."""
    if engine in _PACKAGES:
        try:
            return metadata.version(_PACKAGES[engine])
        except metadata.PackageNotFoundError:
            return NOT_INSTALLED
    executable, arguments = _PROGRAMS[engine]
    program = _find(executable, project_root)
    if program is None:
        return NOT_INSTALLED
    try:
        result = subprocess.run(  # noqa: S603 - a program we located, fixed arguments, no shell
            [program, *arguments], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return NOT_INSTALLED
    found = _VERSION.search(result.stdout)
    return found.group(1) if found else NOT_INSTALLED


def _find(executable: str, project_root: Path) -> str | None:
    """The program in the running venv, the checkout's tools venv, or on PATH, in that order."""
    for folder in (Path(sys.executable).parent, project_root / ".venv-tools" / "bin"):
        candidate = folder / executable
        if candidate.is_file():
            return str(candidate)
    return shutil.which(executable)
