"""Checking a contract before a run: the YAML boolean trap named, every problem listed, and what
minimizing given data would meet (columns, types, the k-anonymity gate), values never shown."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from secure_mlops.errors import InputError, PrivacyError
from secure_mlops.privacy import load_contract, parse_contract
from secure_mlops.privacy.contract_check import check_contract
from secure_mlops.privacy.loader import contract_problems
from tests.support.paths import PATIENTS

CONTRACT = """\
name: churn
version: "1"
k_anonymity:
  k: 3
columns:
  - {name: customer_id, type: string, classification: direct_identifier, action: pseudonymize}
  - {name: email, type: string, classification: direct_identifier, action: drop}
  - {name: age, type: integer, classification: quasi_identifier, action: generalize, params: {bucket: 10}}
  - {name: zip, type: string, classification: quasi_identifier, action: generalize, params: {keep_chars: 2}}
  - {name: tenure, type: integer, classification: feature, action: keep}
  - {name: churned, type: string, classification: label, action: keep, allowed_values: ["yes", "no"]}
"""
HEADER = ["customer_id", "email", "age", "zip", "tenure", "churned", "notes"]


def _rows(n: int) -> list[list[str]]:
    # Ages 20-29 or 30-39 and zips 10xxx or 11xxx: four groups of n/4 rows once minimized.
    return [[f"C{i:04d}", f"p{i}@example.org", str(20 + 10 * (i % 2) + i % 7), f"{10 + (i // 2) % 2}{i:03d}",
             str(i % 50), "yes" if i % 3 else "no", "free text"] for i in range(n)]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _contract(tmp_path: Path, text: str = CONTRACT) -> Path:
    path = tmp_path / "churn.contract.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# -- the YAML boolean trap ----------------------------------------------------------------------

def test_unquoted_yes_no_in_allowed_values_names_the_column_and_says_to_quote() -> None:
    text = CONTRACT.replace('allowed_values: ["yes", "no"]', "allowed_values: [yes, no]")
    with pytest.raises(InputError) as caught:
        parse_contract(text, source="c.yaml")
    assert str(caught.value) == (
        "c.yaml:11: columns[5].allowed_values[0]: column 'churned': yes was read as the boolean true "
        '(YAML 1.1 reads unquoted yes/no/on/off as booleans): quote it, "yes"')


@pytest.mark.parametrize(("written", "meaning"), [("on", "true"), ("Off", "false"), ("NO", "false")])
def test_every_yaml_boolean_word_is_named_in_a_string_field(written: str, meaning: str) -> None:
    text = CONTRACT.replace("{name: email,", f"{{name: {written},")
    (problem,) = contract_problems(text, source="c.yaml")
    assert problem == (f"c.yaml:7: columns[1].name: {written} was read as the boolean {meaning} (YAML 1.1 reads "
                       f'unquoted yes/no/on/off as booleans): quote it, "{written}"')


def test_an_unquoted_number_where_text_is_wanted_says_to_quote_it() -> None:
    (problem,) = contract_problems(CONTRACT.replace('version: "1"', "version: 1.0"), source="c.yaml")
    assert problem.startswith("c.yaml:2: version: 1.0 was read as a number") and problem.endswith('quote it, "1.0"')


def test_quoted_words_and_booleans_of_a_boolean_column_are_fine() -> None:
    assert contract_problems(CONTRACT) == []
    boolean = CONTRACT.replace('type: string, classification: label, action: keep, allowed_values: ["yes", "no"]',
                               "type: boolean, classification: label, action: keep, allowed_values: [yes, no]")
    assert parse_contract(boolean).columns[-1].allowed_values == [True, False]


def test_contract_problems_lists_every_wrong_item_and_parse_counts_the_rest() -> None:
    text = CONTRACT.replace("action: drop}", "action: keep}").replace("bucket: 10", "bucket: 0")
    problems = contract_problems(text, source="c.yaml")
    assert [p.split(": ")[1] for p in problems] == ["columns[1].action", "columns[2].params.bucket"]
    with pytest.raises(InputError, match=r"\(and 1 more problem\)$"):
        parse_contract(text)


# -- the model_card section ---------------------------------------------------------------------

def test_the_model_card_text_is_read_and_left_out_of_the_digest() -> None:
    card = 'model_card:\n  purpose: Churn prevention.\n  out_of_scope_use: "- Pricing"\ncolumns:'
    with_card = parse_contract(CONTRACT.replace("columns:", card, 1))
    assert with_card.model_card is not None and with_card.model_card.purpose == "Churn prevention."
    assert with_card.model_card.intended_use is None
    assert with_card.digest() == parse_contract(CONTRACT).digest()
    assert load_contract(PATIENTS).model_card is not None
    with pytest.raises(InputError, match=r"model_card\.audience: unknown field"):
        parse_contract(CONTRACT.replace("columns:", "model_card:\n  audience: all\ncolumns:", 1))


# -- checking against data ----------------------------------------------------------------------

def test_a_good_contract_passes_and_unknown_columns_are_said_to_be_dropped(tmp_path: Path) -> None:
    data = _write(tmp_path / "churn.csv", _rows(40))
    result = check_contract(_contract(tmp_path), data)
    assert result.problems == [] and result.failure() is None
    assert result.notes == ["churn.csv: column 'notes' is not in the contract: it will be dropped "
                            "(add it to the contract to keep it)"]
    assert result.k_anonymity is not None and result.k_anonymity.result.satisfied
    assert result.k_anonymity.result.k_achieved == 10 and result.k_anonymity.result.groups == 4


def test_missing_columns_and_every_type_mismatch_are_problems(tmp_path: Path) -> None:
    rows = _rows(12)
    rows[4][2] = "forty"  # age
    rows[7][4] = "3.5"  # tenure
    data = _write(tmp_path / "churn.csv", [r[1:] for r in rows], HEADER[1:])
    missing = check_contract(_contract(tmp_path), data)
    assert missing.problems == ["churn.csv: column 'customer_id' of the contract is missing from the data "
                                "(remove it from the contract if the source no longer has it)"]
    assert isinstance(missing.failure(), InputError)

    data = _write(tmp_path / "churn.csv", rows)
    typed = check_contract(_contract(tmp_path), data)
    assert typed.problems == [
        "churn.csv: row 5: column 'age': value is not a valid integer (the contract says integer)",
        "churn.csv: row 8: column 'tenure': value is not a valid integer (the contract says integer)",
    ]
    assert "forty" not in " ".join(typed.problems)


def test_k_not_reached_is_a_privacy_failure_naming_columns_and_counts_only(tmp_path: Path) -> None:
    rows = _rows(40)
    data = _write(tmp_path / "churn.csv", rows)
    strict = _contract(tmp_path, CONTRACT.replace("keep_chars: 2", "keep_chars: 5"))
    result = check_contract(strict, data)
    assert result.problems == []
    failure = result.failure()
    assert isinstance(failure, PrivacyError) and failure.exit_code == 5
    assert result.k_anonymity is not None
    assert result.k_anonymity.without == {"age": 1, "zip": 20}
    summary = result.k_anonymity.summary("churn.csv")
    assert summary.startswith("k-anonymity on churn.csv after minimization: k = 1 (required 3): 40 of 40 groups")
    assert "without zip: k = 20" in summary
    assert not any(row[3] in summary for row in rows)


def test_a_pseudonymized_quasi_identifier_is_counted_as_its_distinct_values(tmp_path: Path) -> None:
    text = CONTRACT.replace("{name: customer_id, type: string, classification: direct_identifier",
                            "{name: customer_id, type: string, classification: quasi_identifier")
    result = check_contract(_contract(tmp_path, text), _write(tmp_path / "churn.csv", _rows(8)))
    assert result.k_anonymity is not None and result.k_anonymity.result.k_achieved == 1  # every id its own group


def test_an_invalid_contract_is_not_checked_against_data(tmp_path: Path) -> None:
    data = _write(tmp_path / "churn.csv", _rows(8))
    result = check_contract(_contract(tmp_path, CONTRACT.replace("action: drop}", "action: keep}")), data)
    assert result.contract is None and result.k_anonymity is None
    assert result.problems == ["churn.contract.yaml:7: columns[1].action: a direct_identifier cannot be kept "
                               "(allowed: drop, mask, pseudonymize, tokenize)"]
