"""The one pass over a line: literals anywhere, word parts, whole words, endings, located words."""

from __future__ import annotations

from secure_mlops.redaction.triggers import Triggers

TRIGGERS = Triggers(
    {"jwt": ("eyJ",)},
    parts={"keys": ("token",)},
    words={"cue": ("tel",)},
    endings={"street": ("straße",)},
    located={"title": ("mr",)},
)


def test_a_literal_counts_anywhere_and_a_part_in_any_of_its_three_spellings() -> None:
    assert TRIGGERS.found("xeyJhb") == {"jwt"}
    assert TRIGGERS.found("githubToken=1") == TRIGGERS.found("DB_TOKEN=1") == {"keys"}
    assert TRIGGERS.found("EYJ tOkEn") == set()


def test_a_word_counts_only_whole() -> None:
    assert TRIGGERS.found("Tel: 555") == {"cue"}
    assert TRIGGERS.found("hotel telemetry") == set()


def test_an_ending_counts_only_at_the_end_of_a_word() -> None:
    assert TRIGGERS.found("Salzachstraße 27") == {"street"}
    assert TRIGGERS.found("straßenbahn") == set()


def test_a_located_word_reports_where_it_ends_also_at_the_start_of_the_text() -> None:
    found = TRIGGERS.found("Mr. Li and mr Wu; summer")
    assert found == {"title"}
    assert found.ends == {"title": [2, 13]}


def test_a_text_with_a_lone_surrogate_is_searched_at_the_same_positions() -> None:
    found = TRIGGERS.found("\udcff Mr. Li eyJ")
    assert found == {"title", "jwt"}
    assert found.ends["title"] == [4]


def test_nothing_found_is_an_empty_set_without_positions() -> None:
    found = TRIGGERS.found("plain text")
    assert found == set()
    assert found.ends == {}
