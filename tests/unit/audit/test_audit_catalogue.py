"""The controls catalogue is read strictly: each mistake is one line naming the control and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from secure_mlops.audit.catalogue import CATALOGUE_PATH, load_catalogue
from secure_mlops.errors import InputError
from tests.support.paths import ROOT

GOOD = "{id: key-lifecycle, title: Keys rotate, threats: [T1], owasp: [ML06], engine: openbao}"


def _catalogue(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "controls.yaml"
    path.write_text("controls:\n" + "".join(f"  - {entry}\n" for entry in entries), encoding="utf-8")
    return path


def test_the_projects_catalogue_loads_in_order() -> None:
    controls = load_catalogue(ROOT / CATALOGUE_PATH)
    assert len(controls) >= 20
    assert controls[0].id == "minimization" and controls[0].threats == ("T1",)


def test_a_good_entry_is_read_whole(tmp_path: Path) -> None:
    (control,) = load_catalogue(_catalogue(tmp_path, GOOD))
    assert (control.id, control.title, control.threats, control.owasp, control.engine) == (
        "key-lifecycle", "Keys rotate", ("T1",), ("ML06",), "openbao")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (GOOD.replace("ML06", "ML11"), "owasp must be a list of ML01"),
        (GOOD.replace("[T1]", "[]"), "threats must name at least one threat"),
        (GOOD.replace("[T1]", "[X1]"), "threats must be a list of T1..T15"),
        (GOOD.replace("openbao", "vaultish"), "engine 'vaultish' is not one the audit can report"),
        (GOOD.replace("key-lifecycle", "Key Lifecycle"), "id must be lowercase words"),
        (GOOD.replace(", engine: openbao", ""), "lacks ['engine']"),
        (GOOD.replace("}", ", owner: me}"), "unknown fields ['owner']"),
        ("just text", "must be a mapping"),
    ],
)
def test_a_bad_entry_names_the_control_and_the_field(tmp_path: Path, entry: str, message: str) -> None:
    with pytest.raises(InputError, match=r"controls\.yaml") as raised:
        load_catalogue(_catalogue(tmp_path, entry))
    assert message in str(raised.value)


def test_a_duplicated_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="'key-lifecycle' appears twice"):
        load_catalogue(_catalogue(tmp_path, GOOD, GOOD))


def test_broken_yaml_names_the_line_and_quotes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "controls.yaml"
    path.write_text("controls:\n  - {id: x, title: 'secret-value\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML: line") as raised:
        load_catalogue(path)
    assert "secret-value" not in str(raised.value)
