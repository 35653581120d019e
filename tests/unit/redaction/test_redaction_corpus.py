"""The labelled log corpora and their scorer (tests/support/redaction_corpus): sound labels, full
coverage, two separate template sets, and a scorer that counts a partial leak as a miss.

No recall figures here: benchmarks/bench_redaction.py prints them."""

from __future__ import annotations

import pytest

from tests.support.redaction_corpus import BENIGN, FAMILIES, FORMATS, Label, Line, build_corpus, caught, score
from tests.support.redaction_corpus.templates import TEMPLATE_SETS

SETS = ("A", "B")


@pytest.fixture(scope="module", params=SETS)
def corpus(request: pytest.FixtureRequest) -> list[Line]:
    return build_corpus(request.param, seed=7, per_cell=3, benign_per_cell=3)


@pytest.mark.parametrize("template_set", SETS)
def test_same_seed_same_lines_other_seed_other_lines(template_set: str) -> None:
    first = build_corpus(template_set, seed=1, per_cell=2, benign_per_cell=2)
    assert build_corpus(template_set, seed=1, per_cell=2, benign_per_cell=2) == first
    assert build_corpus(template_set, seed=2, per_cell=2, benign_per_cell=2) != first


def test_every_label_is_a_substring_of_its_line(corpus: list[Line]) -> None:
    missing = [(line.kind, line.format, label.text) for line in corpus for label in line.labels if label.text not in line.text]
    assert missing == []
    assert all(label.family == line.kind and label.text for line in corpus for label in line.labels)


def test_each_line_is_one_line(corpus: list[Line]) -> None:
    assert not [line.kind for line in corpus if "\n" in line.text or "\r" in line.text]


def test_corpus_covers_every_family_and_near_miss_in_every_format(corpus: list[Line]) -> None:
    sensitive = {(line.kind, line.format) for line in corpus if not line.benign}
    benign = {(line.kind, line.format) for line in corpus if line.benign}
    assert sensitive == {(family, fmt) for family in FAMILIES for fmt in FORMATS}
    assert benign == {(kind, fmt) for kind in BENIGN for fmt in FORMATS}


def test_both_sets_speak_the_required_locales() -> None:
    for tset in TEMPLATE_SETS.values():
        assert {"en_US", "de_DE", "fr_FR", "es_ES", "ja_JP"} <= set(tset.locales)
    lines = build_corpus("B", seed=3, per_cell=4, benign_per_cell=0)
    assert set(TEMPLATE_SETS["B"].locales) == {line.locale for line in lines}


def test_template_sets_share_no_wording_or_field_template() -> None:
    a, b = TEMPLATE_SETS["A"], TEMPLATE_SETS["B"]
    prose = {text for texts in a.prose.values() for text in texts} & {text for texts in b.prose.values() for text in texts}
    assert prose == set()
    shared = [kind for kind in a.fields if set(map(str, a.fields[kind])) & set(map(str, b.fields[kind]))]
    assert shared == []


def test_partial_leak_is_a_miss_and_full_redaction_a_catch() -> None:
    line = "login ok for user=jane.doe@example.com"
    value = "jane.doe@example.com"
    assert not caught(value, line, "login ok for user=jane[REDACTED:email]")
    assert not caught(value, line, "login ok for user=j***.doe@e***")
    assert caught(value, line, "login ok for user=[REDACTED:email]")


def test_marker_and_rest_of_line_are_not_leaks() -> None:
    # "mail" is in the value and in the marker; "jane" is in the value and in the path.
    line = "GET /home/jane/ sent to jane.mail@example.org"
    assert caught("jane.mail@example.org", line, "GET /home/jane/ sent to [REDACTED:email]")


def test_score_counts_untouched_benign_as_kept_and_untouched_values_as_missed() -> None:
    lines = [
        Line("deployed commit 9f86d08 to staging", "commit", "plain", "", ()),
        Line("sending receipt to ana@example.es", "email", "plain", "es_ES", (Label("email", "ana@example.es"),)),
    ]
    unchanged = score(lines, lambda text: text)
    assert (unchanged.kept["commit"], unchanged.benign["commit"]) == (1, 1)
    assert (unchanged.caught["email"], unchanged.values["email"]) == (0, 1)
    redacted = score(lines, lambda text: text.replace("ana@example.es", "[REDACTED:email]").replace("9f86d08", "x"))
    assert redacted.recall(["email"]) == 1.0
    assert redacted.kept_rate() == 0.0
