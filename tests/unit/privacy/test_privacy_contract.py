from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from secure_mlops.errors import InputError
from secure_mlops.privacy import (
    Action,
    Classification,
    DataContract,
    contract_json_schema,
    load_contract,
    parse_contract,
)
from tests.support.paths import PATIENTS

HEAD = """\
name: t
version: "1"
columns:
  - name: id
    type: string
    classification: direct_identifier
    action: pseudonymize
"""


def _error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        parse_contract(text, source="c.yaml")
    return str(caught.value)


def _column(body: str) -> str:
    """HEAD plus one more column, written as its YAML lines (from line 8 on)."""
    return HEAD + textwrap.indent(textwrap.dedent(body), "  ")


def test_example_contract_loads() -> None:
    contract = load_contract(PATIENTS)
    assert contract.name == "patients"
    assert contract.k_anonymity.k == 5
    assert contract.quasi_identifiers() == ["date_of_birth", "sex"]
    assert contract.identifier_columns() == ["patient_id", "full_name", "email", "ssn", "phone",
                                             "address", "date_of_birth", "sex", "postcode"]
    by_name = {c.name: c for c in contract.columns}
    assert by_name["patient_id"].action is Action.PSEUDONYMIZE
    assert by_name["diagnosis"].classification is Classification.LABEL
    for pii in ("full_name", "email", "ssn", "phone", "address"):
        assert by_name[pii].action is Action.DROP


def test_unknown_action_is_rejected_with_line_number() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: feature
          action: hash
        """))
    assert message == ("c.yaml:11: columns[1].action: unknown action 'hash' "
                       "(expected one of drop, keep, generalize, mask, pseudonymize)")


def test_unknown_field_is_rejected_with_line_number() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: feature
          action: keep
          hashed: true
        """))
    assert message == "c.yaml:12: columns[1].hashed: unknown field"


def test_missing_field_points_at_its_column() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          action: keep
        """))
    assert message == "c.yaml:8: columns[1].classification: missing required field"


def test_missing_param_is_rejected_at_the_column_line() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: quasi_identifier
          action: generalize
        """))
    assert message == ("c.yaml:8: columns[1].params: generalize of an integer column needs "
                       "params.bucket")


def test_param_that_does_not_apply_is_rejected() -> None:
    message = _error(_column("""\
        - name: born
          type: date
          classification: quasi_identifier
          action: generalize
          params:
            bucket: 10
        """))
    assert message == ("c.yaml:13: columns[1].params.bucket: bucket does not apply to "
                       "generalize of a date column")


def test_integer_bucket_must_be_whole() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: quasi_identifier
          action: generalize
          params: {bucket: 2.5}
        """))
    assert message == ("c.yaml:12: columns[1].params.bucket: the bucket of an integer column "
                       "must be a whole number")


def test_unknown_date_granularity_is_rejected() -> None:
    message = _error(_column("""\
        - name: born
          type: date
          classification: quasi_identifier
          action: generalize
          params: {to: century}
        """))
    assert message.startswith("c.yaml:12: columns[1].params.to: unknown to 'century'")


def test_duplicate_column_is_rejected() -> None:
    message = _error(_column("""\
        - name: id
          type: string
          classification: feature
          action: keep
        """))
    assert message == "c.yaml:8: columns[1].name: duplicate column 'id' (first at columns[0])"


def test_duplicate_yaml_key_is_rejected() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: feature
          action: drop
          action: keep
        """))
    assert message == "c.yaml:12: duplicate key 'action'"


@pytest.mark.parametrize("action", ["keep", "generalize"])
def test_direct_identifier_cannot_be_kept(action: str) -> None:
    message = _error(_column(f"""\
        - name: email
          type: string
          classification: direct_identifier
          action: {action}
          params: {{keep_chars: 3}}
        """))
    assert message.startswith("c.yaml:11: columns[1].action: a direct_identifier cannot be ")
    assert "(allowed: drop, mask, pseudonymize)" in message


@pytest.mark.parametrize(("classification", "action"),
                         [("feature", "pseudonymize"), ("label", "mask")])
def test_feature_or_label_cannot_be_masked_or_pseudonymized(classification: str,
                                                           action: str) -> None:
    message = _error(_column(f"""\
        - name: x
          type: string
          classification: {classification}
          action: {action}
        """))
    assert message.startswith(f"c.yaml:11: columns[1].action: a {classification} cannot be")


def test_action_must_suit_the_type() -> None:
    message = _error(_column("""\
        - name: smoker
          type: boolean
          classification: quasi_identifier
          action: generalize
        """))
    assert message == "c.yaml:11: columns[1].action: generalize is not defined for boolean columns"


def test_constraints_must_fit_the_type() -> None:
    message = _error(_column("""\
        - name: sex
          type: string
          classification: quasi_identifier
          action: keep
          min: 3
        """))
    assert message == "c.yaml:12: columns[1].min: min does not fit a string column"


def test_wrong_type_names_the_alternatives_once() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: feature
          action: keep
          max: [1]
        """))
    assert message == "c.yaml:12: columns[1].max: wrong type (expected int, float or date)"


def test_allowed_values_are_rejected_for_a_direct_identifier() -> None:
    message = _error(_column("""\
        - name: ssn
          type: string
          classification: direct_identifier
          action: mask
          allowed_values: [x]
        """))
    assert message == ("c.yaml:12: columns[1].allowed_values: allowed_values would copy direct "
                       "identifiers into the contract")


@pytest.mark.parametrize("constraint", ["nullable: false", "allowed_values: [x]", "max: 3"])
def test_constraints_on_a_dropped_column_are_rejected(constraint: str) -> None:
    message = _error(_column(f"""\
        - name: notes
          type: string
          classification: sensitive
          action: drop
          {constraint}
        """))
    field = constraint.split(":")[0]
    assert message == (f"c.yaml:12: columns[1].{field}: a dropped column takes no constraints "
                       "(they would never be checked)")


def test_allowed_value_of_the_wrong_type_points_at_the_item() -> None:
    message = _error(_column("""\
        - name: age
          type: integer
          classification: feature
          action: keep
          allowed_values:
            - 1
            - two
        """))
    assert message == ("c.yaml:14: columns[1].allowed_values[1]: allowed value does not fit an "
                       "integer column")


def test_contract_that_drops_everything_is_rejected() -> None:
    message = _error(HEAD.replace("action: pseudonymize", "action: drop"))
    assert message == "c.yaml:4: columns: every column is dropped: the output would be empty"


def test_k_must_be_positive() -> None:
    message = _error(HEAD.replace("columns:", "k_anonymity: {k: 0}\ncolumns:"))
    assert message == "c.yaml:3: k_anonymity.k: Input should be greater than or equal to 1"


def test_several_problems_report_the_first_and_count_the_rest() -> None:
    message = _error(_column("""\
        - name: a
          type: text
          classification: secret
          action: keep
        """))
    assert message.startswith("c.yaml:9: columns[1].type: unknown type 'text'")
    assert message.endswith("(and 1 more problem)")


@pytest.mark.parametrize(("text", "expected"), [
    ("", "c.yaml:1: expected a mapping"),
    ("- a\n", "c.yaml:1: expected a mapping"),
    ("name: [x\n", "c.yaml:2: invalid YAML: expected ',' or ']', but got '<stream end>'"),
])
def test_malformed_yaml_is_rejected_with_line(text: str, expected: str) -> None:
    assert _error(text) == expected


def test_unreadable_contract_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the contract"):
        load_contract(tmp_path / "absent.yaml")


def test_json_schema_describes_the_contract_and_forbids_extra_fields() -> None:
    schema = contract_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"name", "version", "columns"}
    column = schema["$defs"]["Column"]
    assert column["additionalProperties"] is False
    assert set(schema["$defs"]["Action"]["enum"]) == {a.value for a in Action}
    json.dumps(schema)  # serializable as is


def test_digest_ignores_layout_and_comments(contract_yaml: str) -> None:
    reformatted = "# a comment\n" + contract_yaml.replace("params: {keep_last: 4}",
                                                          "params:\n      keep_last: 4")
    first = parse_contract(contract_yaml)
    assert parse_contract(reformatted).digest() == first.digest()
    changed = contract_yaml.replace("keep_last: 4", "keep_last: 3")
    assert parse_contract(changed).digest() != first.digest()


def test_contract_built_in_code_is_held_to_the_same_rules() -> None:
    with pytest.raises(ValueError, match="a direct_identifier cannot be kept"):
        DataContract.model_validate({
            "name": "t", "version": "1",
            "columns": [{"name": "ssn", "type": "string", "classification": "direct_identifier",
                         "action": "keep"}],
        })
