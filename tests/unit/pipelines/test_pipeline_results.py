"""Every pipeline output has a place in a run's results/ folder, with the extension of what it
holds, and ciphertext never has one."""

from __future__ import annotations

from pipelines.artifacts import ARTIFACTS, Holds
from secure_mlops.orchestration.results import CIPHERTEXT, FILE_KINDS, LABELS, entry_name


def test_every_output_has_a_file_kind_and_only_ciphertext_is_left_out() -> None:
    assert set(FILE_KINDS) == set(ARTIFACTS)
    for key, (holds, _) in ARTIFACTS.items():
        assert (FILE_KINDS[key] is CIPHERTEXT) == (holds is Holds.CIPHERTEXT), key


def test_every_shown_output_has_a_label() -> None:
    assert {key for key, kind in FILE_KINDS.items() if kind is not CIPHERTEXT} == set(LABELS)


def test_kfp_kinds_get_the_extension_a_browser_or_editor_expects() -> None:
    from pipelines.components import data, model, release

    expected = {"system.HTML": "html", "system.Markdown": "md", "system.Metrics": "json",
                "system.ClassificationMetrics": "json", "system.Model": "skops"}
    components = [data.minimize_shard, data.validate_shard, data.publish_dataset, model.train, model.privacy_audit,
                  release.package, release.deploy]
    checked = 0
    for component in components:
        for output, spec in component.component_spec.outputs.items():
            kind = spec.type.split("@")[0]
            if kind in expected:
                assert FILE_KINDS[(component.name.replace("_", "-"), output)] == expected[kind], (component.name, output)
                checked += 1
    assert checked >= 5


def test_entry_names_say_step_shard_output_and_kind() -> None:
    assert entry_name("validate-shard", "report", 0) == "validate-shard-0.report.html"
    assert entry_name("minimize-shard", "report", 3) == "minimize-shard-3.report.json"
    assert entry_name("train", "metrics", None) == "train.metrics.json"
    assert entry_name("package", "bento", None) == "package.bento"
