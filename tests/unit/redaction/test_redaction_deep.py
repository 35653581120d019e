"""`redact --deep` without its model: the missing-backend error, and how found entities become spans.

The analyzer is a stand-in that reports given words as entities, so these tests need neither
Presidio nor spaCy (tests/integration/test_redact_deep.py runs the real backend).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

import pytest

from secure_mlops.errors import ConfigError
from secure_mlops.redaction import Redactor, redact_stream
from secure_mlops.redaction import deep as deep_module
from secure_mlops.redaction.deep import DeepRedactor, load_analyzer

# The module, not the `main` function that secure_mlops.cli exports under the same name.
cli_main = importlib.import_module("secure_mlops.cli.main")


@pytest.fixture
def backend_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import presidio_analyzer` fails, as in a venv without `make deep`."""
    monkeypatch.setitem(sys.modules, "presidio_analyzer", None)


def test_a_missing_backend_is_a_config_error_that_says_make_deep(backend_missing: None) -> None:
    with pytest.raises(ConfigError) as raised:
        load_analyzer()
    assert "make deep" in str(raised.value)
    assert raised.value.exit_code == 3


def test_the_cli_says_make_deep_in_one_line_without_a_traceback(
    backend_missing: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["secure-mlops", "redact", "--deep"])
    monkeypatch.delenv("SECURE_MLOPS_DEBUG", raising=False)
    code = cli_main._run()
    out, err = capsys.readouterr()
    assert code == ConfigError.exit_code
    assert out == ""
    assert err.startswith("error: ") and "make deep" in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_unknown_entities_are_refused() -> None:
    with pytest.raises(ConfigError, match="ORGANIZATION"):
        DeepRedactor(Redactor(), entities=["PERSON", "ORGANIZATION"], analyzer=_Analyzer({}))


@dataclass
class _Result:
    entity_type: str
    start: int
    end: int


class _Analyzer:
    """Reports each occurrence of the given words as the given Presidio entity type."""

    def __init__(self, words: dict[str, str]) -> None:
        self.words = words
        self.seen: list[str] = []

    def analyze(self, text: str, language: str, entities: list[str]) -> list[_Result]:
        self.seen.append(text)
        found = []
        for word, entity in self.words.items():
            start = text.find(word)
            while start >= 0 and entity in entities:
                found.append(_Result(entity, start, start + len(word)))
                start = text.find(word, start + 1)
        return found


def _deep(words: dict[str, str]) -> DeepRedactor:
    return DeepRedactor(Redactor(), analyzer=_Analyzer(words))


def test_entities_are_replaced_with_the_fast_paths_spelling() -> None:
    deep = _deep({"Ana García": "PERSON", "London": "LOCATION", "German": "NRP", "tomorrow": "DATE_TIME"})
    assert deep.redact("Ana García, German, in London tomorrow") == (
        "[REDACTED:name], [REDACTED:nrp], in [REDACTED:location] tomorrow"
    )


def test_fast_path_markers_survive_and_offsets_map_back() -> None:
    # The e-mail's marker is longer than the address: the name after it must still land right.
    deep = _deep({"Ana": "PERSON", "Paris": "LOCATION"})
    text = "from a@b.co to Ana at 10.1.2.3 in Paris"
    assert deep.redact(text) == "from [REDACTED:email] to [REDACTED:name] at [REDACTED:ip] in [REDACTED:location]"
    assert [text[start:end] for start, end, _ in deep.spans(text)] == ["a@b.co", "Ana", "10.1.2.3", "Paris"]


def test_an_entity_that_takes_in_a_marker_is_cut_around_it() -> None:
    # The model may read `García [REDACTED` as one name: the marker stays whole, the name goes.
    deep = _deep({"García [REDACTED:email] Lopez": "PERSON"})
    assert deep.redact("by García jane@example.com Lopez") == "by [REDACTED:name] [REDACTED:email] [REDACTED:name]"


def test_an_entity_inside_a_marker_changes_nothing() -> None:
    deep = _deep({"email": "PERSON", "REDACTED": "LOCATION"})
    assert deep.redact("mail jane@example.com") == "mail [REDACTED:email]"


def test_a_name_grows_over_capitalised_neighbours_and_a_place_over_its_house_number() -> None:
    deep = _deep({"García": "PERSON", "Baker Mansions": "LOCATION"})
    assert deep.redact("for Ana García tomorrow") == "for [REDACTED:name] tomorrow"
    assert deep.redact("INFO García done") == "INFO [REDACTED:name] done"  # `INFO` is no name
    assert deep.redact("to 42 Baker Mansions, London") == "to [REDACTED:location], London"


def test_a_line_without_capitals_is_not_analysed() -> None:
    analyzer = _Analyzer({"ana": "PERSON"})
    deep = DeepRedactor(Redactor(), analyzer=analyzer)
    assert deep.redact("model trained in 3.2s by ana") == "model trained in 3.2s by ana"
    assert analyzer.seen == []


def test_long_text_is_analysed_in_pieces_with_offsets_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deep_module, "_CHUNK", 50)
    analyzer = _Analyzer({"Lisbon": "LOCATION"})
    deep = DeepRedactor(Redactor(), analyzer=analyzer)
    text = " ".join(["Lisbon"] + ["word"] * 30 + ["Lisbon"])
    assert deep.redact(text).count("[REDACTED:location]") == 2 and "Lisbon" not in deep.redact(text)
    assert all(len(piece) <= 50 for piece in analyzer.seen)


def test_redact_stream_takes_a_deep_redactor() -> None:
    deep = _deep({"Ana": "PERSON"})
    assert list(redact_stream(["Ana a@b.co\n", "rows=1\n"], deep)) == ["[REDACTED:name] [REDACTED:email]\n", "rows=1\n"]


def test_machine_tokens_the_model_takes_for_names_are_kept() -> None:
    deep = _deep({"order_id": "PERSON", "Linux x86_64": "PERSON", "e3afba5edf9b": "NRP", "Jun/2026:15": "LOCATION"})
    text = 'order_id=1 "Mozilla/5.0 (X11; Linux x86_64)" trace e3afba5edf9b [05/Jun/2026:15:58:03 +0000]'
    assert deep.redact(text) == text


def test_a_person_that_holds_a_word_naming_a_thing_is_kept() -> None:
    deep = _deep({"Feature Store": "PERSON", "Ana Silva": "PERSON"})
    assert deep.redact("synced with Feature Store by Ana Silva") == "synced with Feature Store by [REDACTED:name]"
