"""policies/CONTROLS.md names real files and real tests.

The controls map is what an auditor reads first: every policy file and every `file::test` it
cites must exist, or the map is promising evidence that is not there.
"""

from __future__ import annotations

import re

from tests.support.paths import POLICIES, ROOT

CONTROLS = POLICIES / "CONTROLS.md"
REPOSITORY_PATH = re.compile(r"(policies|infra|k8s|src|tests|pipelines|services)/[^\s<>]*|Dockerfile")


def _references() -> list[str]:
    return re.findall(r"`([^`]+)`", CONTROLS.read_text(encoding="utf-8"))


def _expand(path: str) -> list[str]:
    """`a/{b,c}.hcl` -> a/b.hcl, a/c.hcl (the map abbreviates policy families that way)."""
    match = re.search(r"\{([^}]+)\}", path)
    if not match:
        return [path]
    return [e for part in match.group(1).split(",") for e in _expand(path[: match.start()] + part + path[match.end():])]


def test_every_cited_test_exists() -> None:
    current = None
    cited = 0
    for reference in _references():
        if "::" not in reference:
            continue
        path, name = reference.split("::")
        current = ROOT / path if path else current
        assert current is not None and current.is_file(), f"{reference}: no such test file"
        source = current.read_text(encoding="utf-8")
        assert re.search(rf"^def {re.escape(name)}\(", source, re.M), f"{reference}: no such test"
        cited += 1
    assert cited >= 40


def test_every_cited_file_exists() -> None:
    for reference in _references():
        if "::" in reference or not REPOSITORY_PATH.fullmatch(reference):
            continue
        for path in _expand(reference):
            assert (ROOT / path).exists(), f"CONTROLS.md cites {path}, which does not exist"
