from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

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


CASES = yaml.safe_load((Path(__file__).parent / "contract_errors.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_bad_column_is_rejected_with_its_line_and_field(case: dict[str, str]) -> None:
    assert _error(HEAD + textwrap.indent(case["column"], "  ")) == case["error"]


def test_contract_that_drops_everything_is_rejected() -> None:
    message = _error(HEAD.replace("action: pseudonymize", "action: drop"))
    assert message == "c.yaml:4: columns: every column is dropped: the output would be empty"


def test_k_must_be_positive() -> None:
    message = _error(HEAD.replace("columns:", "k_anonymity: {k: 0}\ncolumns:"))
    assert message == "c.yaml:3: k_anonymity.k: Input should be greater than or equal to 1"


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


# -- pseudonym_scope (issue 10, item 11) --------------------------------------------------------

def test_pseudonyms_are_global_by_default_and_scoped_to_the_dataset_on_request() -> None:
    assert parse_contract(HEAD).pseudonym_domain() is None
    assert parse_contract(HEAD.replace("columns:", "pseudonym_scope: global\ncolumns:")).pseudonym_domain() is None
    scoped = parse_contract(HEAD.replace("columns:", "pseudonym_scope: dataset\ncolumns:"))
    assert scoped.pseudonym_domain() == "t"


def test_an_unknown_pseudonym_scope_is_rejected_with_its_line() -> None:
    message = _error(HEAD.replace("columns:", "pseudonym_scope: column\ncolumns:"))
    assert message.startswith("c.yaml:3: pseudonym_scope:")


def test_the_scope_is_part_of_the_digest_and_the_default_keeps_existing_digests() -> None:
    # The patients contract's digest from before the option existed (version 1.0.0, before the
    # differential_privacy section, which is left out when absent likewise): profiles and signed
    # manifests made under it still match.
    before = load_contract(PATIENTS).model_copy(update={"version": "1.0.0", "differential_privacy": None})
    assert before.digest() == "sha256:9ab5535a50e87ea4f8efeded2c60ac513d3ab9f7b05e1568b6b3f5e8d75e1845"
    default = parse_contract(HEAD).digest()
    assert parse_contract(HEAD.replace("columns:", "pseudonym_scope: global\ncolumns:")).digest() == default
    assert parse_contract(HEAD.replace("columns:", "pseudonym_scope: dataset\ncolumns:")).digest() != default
