"""CycloneDX SBOMs of the hash-pinned locks, made by cyclonedx-bom's `cyclonedx-py requirements`.

The document lists every pinned package with its version, purl and the lock's hashes. It is made
reproducibly (`--output-reproducible`: no timestamp, no serial number; SOURCE_DATE_EPOCH is kept
out so no timestamp comes back), so the same lock and the same cyclonedx-bom version (the project
lock pins it) give the same bytes: an auditor regenerates an SBOM and compares its sha256 with the
one the signed manifest records. `make sbom` runs the same command (`CYCLONEDX_ARGS`) per lock.

cyclonedx-py skips a line it cannot parse without a word, so `lock_sbom` checks its output against
the lock's pins: an SBOM that leaves a package out would tell an auditor the image lacks it.

Only `lock_sbom` runs the tool; reading an SBOM needs nothing beyond the standard library, so the
serving image (which has no cyclonedx-bom) verifies the SBOM's digest all the same.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.digest import sha256_digest
from secure_mlops.errors import ConfigError, InputError
from secure_mlops.storage import read_file

FORMAT = "CycloneDX"
SPEC_VERSION = "1.6"
SUFFIX = ".cdx.json"
# The one command line, here and in the Makefile's `sbom` target (a unit test holds them equal).
CYCLONEDX_ARGS = ("requirements", "--output-reproducible", "--spec-version", SPEC_VERSION, "--output-format", "JSON")
_TIMEOUT_SECONDS = 300
# A timestamp taken from here would make two runs of the same lock differ by when they ran.
_UNSET_ENV = ("SOURCE_DATE_EPOCH",)
# A requirement line of a compiled lock: `name==version` or `name[extra]==version`, then hashes.
_PIN = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass(frozen=True)
class Sbom:
    """What the signed manifest records of an SBOM file."""

    format: str
    spec_version: str
    digest: str
    """``sha256:<hex>`` of the file's bytes."""


def sbom_name(lock_file: Path) -> str:
    """``requirements/inference.lock`` -> ``inference.cdx.json`` (``lock.txt`` -> ``lock.cdx.json``)."""
    return Path(lock_file).stem + SUFFIX


def lock_sbom(lock_file: Path) -> bytes:
    """The CycloneDX JSON document of a hash-pinned requirements lock, listing every pin.

    `ConfigError` when cyclonedx-bom is not installed here; `InputError` when the lock cannot be
    read, holds a requirement that is not pinned, or the tool refuses it (its last line of error
    output is in the hint) or leaves a pin out."""
    lock_file = Path(lock_file)
    if not lock_file.is_file():
        raise InputError(f"lock file {lock_file} does not exist")
    pins = lock_pins(lock_file)
    env = {k: v for k, v in os.environ.items() if k not in _UNSET_ENV}
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments, no shell
            [sys.executable, "-m", "cyclonedx_py", *CYCLONEDX_ARGS, "-o", "-", str(lock_file)],
            capture_output=True, env=env, timeout=_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"cyclonedx-py took more than {_TIMEOUT_SECONDS}s on {lock_file.name}") from None
    if done.returncode != 0:
        errors = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("No module named cyclonedx_py" in line for line in errors):
            raise ConfigError("cyclonedx-bom is not installed in this environment",
                              hint="it is in requirements/lock.txt: `make install`")
        raise InputError(f"cyclonedx-py could not make an SBOM of {lock_file.name}",
                         hint=errors[-1] if errors else f"exit code {done.returncode}")
    listed = {_normalize(name): version for name, version in _packages(_document(done.stdout, lock_file)).items()}
    left_out = sorted(name for name, version in pins.items() if listed.get(name) != version)
    if left_out:
        raise InputError(f"the SBOM of {lock_file.name} leaves out {len(left_out)} of its pins",
                         hint=f"first: {left_out[0]}=={pins[left_out[0]]}")
    return done.stdout


def lock_pins(lock_file: Path) -> dict[str, str]:
    """Name (normalized as PEP 503 does) -> version of every requirement of a compiled lock.
    Comments, options and hash continuation lines are skipped; any other line must be a pin."""
    lock_file = Path(lock_file)
    pins = {}
    text = read_file(lock_file, "lock").decode("utf-8", "replace")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line[0] in "# \t-":
            continue
        match = _PIN.match(line)
        if match is None:
            raise InputError(f"{lock_file.name} line {number} is not a pinned requirement (name==version)")
        pins[_normalize(match.group(1))] = match.group(2)
    return pins


def describe_sbom(path: Path) -> Sbom:
    """Format, spec version and digest of a CycloneDX JSON file, for the signed manifest."""
    raw = read_file(Path(path), "SBOM")
    document = _document(raw, Path(path))  # the bytes digested are the bytes read: one read
    if document.get("bomFormat") != FORMAT or not isinstance(document.get("specVersion"), str):
        raise InputError(f"{Path(path).name} is not a {FORMAT} JSON document",
                         hint="expected bomFormat and specVersion at the top level")
    return Sbom(format=FORMAT, spec_version=document["specVersion"], digest=sha256_digest(raw))


def sbom_packages(path: Path) -> dict[str, str]:
    """Name -> version of every component an SBOM lists (names lowercased, as the locks write them)."""
    return _packages(_document(read_file(Path(path), "SBOM"), Path(path)), Path(path).name)


def _packages(document: dict, name: str = "the SBOM") -> dict[str, str]:
    components = document.get("components")
    if not isinstance(components, list):
        raise InputError(f"{name} lists no components")
    return {str(c.get("name", "")).lower(): str(c.get("version", "")) for c in components if isinstance(c, dict)}


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _document(raw: bytes, path: Path) -> dict:
    try:
        document = json.loads(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise InputError(f"{path.name} is not valid JSON") from None
    if not isinstance(document, dict):
        raise InputError(f"{path.name} is not a {FORMAT} JSON document")
    return document
