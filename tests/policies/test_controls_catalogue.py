"""policies/controls.yaml, the tests' control markers and policies/CONTROLS.md say the same thing.

The audit reports a control as passing on the strength of the tests that name it: a control no
test names, a test naming a control the catalogue lacks, or a CONTROLS.md row citing other tests
than the ones that name its control would each make the report promise evidence that is not there.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from secure_mlops.audit.catalogue import CATALOGUE_PATH, Control, load_catalogue
from tests.support.paths import POLICIES, ROOT

CONTROLS_MD = POLICIES / "CONTROLS.md"
_ROW = re.compile(r"^\| (\[T.*?) \| .*? \| (.*?) \| `([a-z0-9-]+)`: .*? \| .*? \| (.*) \|$", re.M)


@pytest.fixture(scope="module")
def catalogue() -> tuple[Control, ...]:
    return load_catalogue(ROOT / CATALOGUE_PATH)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[tuple[str, str]]]:
    """Control id -> the (file, test function) pairs that name it, as pytest collects them."""
    evidence = tmp_path_factory.mktemp("evidence") / "evidence.json"
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "control", "-p", "no:cacheprovider",
         f"--control-evidence={evidence}", "tests"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    by_control: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for test in json.loads(evidence.read_text(encoding="utf-8"))["tests"]:
        for control_id in test["controls"]:
            by_control[control_id].add((test["file"], test["function"]))
    return by_control


def _rows() -> dict[str, tuple[list[str], list[str], set[tuple[str, str | None]]]]:
    """Control id -> (threat ids linked, OWASP ids, cited (file, test) pairs; test None = whole file)."""
    rows = {}
    for threats, owasp, control_id, tests in _ROW.findall(CONTROLS_MD.read_text(encoding="utf-8")):
        cited: set[tuple[str, str | None]] = set()
        current = None
        for reference in re.findall(r"`([^`]+)`", tests):
            if "::" in reference:
                path, name = reference.split("::")
                current = path or current
                cited.add((str(current), name))
            elif reference.startswith("tests/"):
                current = reference
                cited.add((reference, None))
        rows[control_id] = (re.findall(r"\[(T[0-9]+)\]\(", threats), [] if owasp == "-" else owasp.split(", "), cited)
    return rows


def test_every_control_is_named_by_a_test(catalogue: tuple[Control, ...], marked: dict[str, set[tuple[str, str]]]) -> None:
    untested = [control.id for control in catalogue if not marked.get(control.id)]
    assert not untested, f"controls no test names with @pytest.mark.control: {untested}"


def test_controls_md_has_one_row_per_control_with_its_threats_and_owasp_risks(catalogue: tuple[Control, ...]) -> None:
    rows = _rows()
    assert list(rows) == [control.id for control in catalogue]
    for control in catalogue:
        threats, owasp, _ = rows[control.id]
        assert threats == list(control.threats), control.id
        assert owasp == list(control.owasp), control.id


def test_controls_md_cites_exactly_the_tests_that_name_each_control(marked: dict[str, set[tuple[str, str]]]) -> None:
    for control_id, (_, _, cited) in _rows().items():
        whole_files = {path for path, name in cited if name is None}
        expected = {pair for pair in marked[control_id] if pair[0] not in whole_files}
        named = {(path, name) for path, name in cited if name is not None}
        assert named == expected, (
            f"{control_id}: CONTROLS.md cites {sorted(named - expected)} that do not name it, "
            f"and not {sorted(expected - named)} that do"
        )
        for path in whole_files:
            assert any(pair[0] == path for pair in marked[control_id]), f"{control_id}: {path} names it nowhere"


def test_a_test_naming_an_unknown_control_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "controls.yaml").write_text(
        "controls:\n  - {id: known, title: A control, threats: [T1], owasp: [], engine: pytest}\n", encoding="utf-8"
    )
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n@pytest.mark.control('unknown-one')\ndef test_x():\n    pass\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "secure_mlops.audit.evidence_plugin", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), "-c", "/dev/null", "test_x.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "test_x.py::test_x: unknown-one" in result.stderr
