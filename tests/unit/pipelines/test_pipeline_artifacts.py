"""Every output of the compiled pipeline is classified (pipelines/artifacts.py)."""

from __future__ import annotations

import yaml

from pipelines.artifacts import ARTIFACTS
from tests.support.paths import COMPILED_PIPELINE


def test_every_output_of_every_component_is_classified_and_nothing_else() -> None:
    components = next(yaml.safe_load_all(COMPILED_PIPELINE.read_text()))["components"]
    outputs = {
        (name.removeprefix("comp-"), output)
        for name, component in components.items()
        if not name.startswith("comp-for-loop")  # a loop re-exposes its tasks' outputs
        for output in (component.get("outputDefinitions") or {}).get("artifacts", {})
    }
    assert outputs == set(ARTIFACTS)
