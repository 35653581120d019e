"""The held-out redaction corpus is well formed: deterministic, labels exact, numbers issuer-valid.

These tests check the corpus, never a redactor: no detector is run or scored here.
"""

from __future__ import annotations

import ast
import base64
import csv
import json
import re
from collections import Counter
from collections.abc import Callable
from functools import cache, partial
from urllib.parse import unquote_plus

import phonenumbers
import pytest
import yaml
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.au import abn, tfn
from stdnum.ca import sin
from stdnum.cz import dic, rc
from stdnum.dk import cpr, cvr
from stdnum.es import dni
from stdnum.fi import alv, hetu, ytunnus
from stdnum.mx import curp, rfc
from stdnum.nl import bsn, btw
from stdnum.no import fodselsnummer, mva, orgnr
from stdnum.pl import nip, pesel
from stdnum.pt import cc, nif
from stdnum.se import orgnr as se_orgnr
from stdnum.se import personnummer
from stdnum.se import vat as se_vat
from stdnum.tr import tckimlik, vkn
from stdnum.us import ssn

from tests.support.redaction_corpus.model import FAMILIES, Line
from tests.support.redaction_holdout import FORMATS, benign_kinds, build_holdout
from tests.support.redaction_holdout.checksums import luhn_ok, mod97_ok

Check = Callable[[str], bool]
PASSPORT = re.compile(r"^(?:[A-NP-Z]{2}[A-NP-Z0-9]{6}\d|[A-Z]{1,2}\d{6,7})$")


def _medicare(number: str) -> bool:
    digits = number.replace(" ", "")
    weights = (1, 3, 7, 9, 1, 3, 7, 9)
    return len(digits) == 10 and sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 10 == int(digits[8])


# Per locale: validators for identity numbers and for tax numbers (any one must accept).
ID_CHECKS: dict[str, tuple[Check, ...]] = {
    "nl-NL": (bsn.is_valid,),
    "pl-PL": (pesel.is_valid,),
    "sv-SE": (personnummer.is_valid,),
    "da-DK": (cpr.is_valid,),
    "cs-CZ": (rc.is_valid,),
    "fi-FI": (hetu.is_valid,),
    "en-AU": (_medicare,),
    "en-CA": (ssn.is_valid,),
    "tr-TR": (tckimlik.is_valid,),
    "pt-PT": (cc.is_valid,),
    "es-MX": (curp.is_valid, dni.is_valid),
    "nb-NO": (fodselsnummer.is_valid,),
}
TAX_CHECKS: dict[str, tuple[Check, ...]] = {
    "nl-NL": (btw.is_valid,),
    "pl-PL": (nip.is_valid,),
    "sv-SE": (se_orgnr.is_valid, se_vat.is_valid),
    "da-DK": (cvr.is_valid,),
    "cs-CZ": (dic.is_valid,),
    "fi-FI": (ytunnus.is_valid, alv.is_valid),
    "en-AU": (tfn.is_valid, abn.is_valid),
    "en-CA": (sin.is_valid,),
    "tr-TR": (vkn.is_valid,),
    "pt-PT": (nif.is_valid,),
    "es-MX": (lambda value: rfc.is_valid(value, validate_check_digits=True),),
    "nb-NO": (orgnr.is_valid, mva.is_valid),
}
TOKEN_SHAPES = {
    "github_token": re.compile(r"^(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})$"),
    "slack_token": re.compile(
        r"^(?:xoxb-\d{10,13}-\d{10,13}-[A-Za-z0-9]{24}|xoxp-\d{10,13}-\d{10,13}-\d{13}-[0-9a-f]{32}"
        r"|xapp-1-A[A-Z0-9]{10}-\d{13}-[0-9a-f]{64})$"
    ),
    "stripe_key": re.compile(r"^[sr]k_live_[A-Za-z0-9]{24}(?:[A-Za-z0-9]{75})?$"),
    "google_api_key": re.compile(r"^AIza[A-Za-z0-9_-]{35}$"),
    "openai_key": re.compile(r"^sk-(?:[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|(?:proj|svcacct)-[\w-]{74}T3BlbkFJ[\w-]{74})$"),
    "aws_key": re.compile(r"^(?:(?:AKIA|ASIA)[A-Z2-7]{16}|[A-Za-z0-9/+]{40})$"),
    "vault_token": re.compile(r"^(?:hvs\.[\w-]{24,}|hvb\.[\w-]{100,}|s\.[A-Za-z0-9]{24})$"),
}
SECRET_PREFIXES = re.compile(r"ghp_|gho_|github_pat_|xox[bp]-|xapp-|sk_live_|rk_live_|AIza|sk-proj-|AKIA|ASIA|hvs\.|hvb\.|eyJ")


@cache
def corpus() -> tuple[Line, ...]:
    return tuple(build_holdout())


def _spellings(line: Line, text: str) -> set[str]:
    """The label, and for layouts that URL-encode (query strings) also its decoded form."""
    return {text, unquote_plus(text)} if line.format in {"nginx_combined", "http_dump"} else {text}


def _holds(check: Check, values: set[str]) -> bool:
    """Whether any spelling passes `check`; a spelling the check cannot even parse does not."""
    for value in values:
        try:
            if check(value):
                return True
        except (ValueError, IndexError, phonenumbers.NumberParseException):
            continue
    return False


def _valid_phone(country: str, value: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(value, country))


def _labels(family: str) -> list[tuple[Line, set[str]]]:
    return [(line, _spellings(line, label.text)) for line in corpus() for label in line.labels if label.family == family]


def test_same_seed_same_lines_other_seed_other_lines() -> None:
    first = build_holdout(seed=7, per_cell=1, benign_per_cell=1)
    assert first == build_holdout(seed=7, per_cell=1, benign_per_cell=1)
    assert first != build_holdout(seed=8, per_cell=1, benign_per_cell=1)


def test_size_and_coverage() -> None:
    lines = corpus()
    assert 2000 <= len(lines) <= 3500
    kinds = Counter(line.kind for line in lines)
    assert all(kinds[family] == 8 * len(FORMATS) for family in FAMILIES)
    assert set(kinds) == set(FAMILIES) | set(benign_kinds())
    assert {line.format for line in lines} == set(FORMATS)
    assert {line.format for line in lines if line.benign} == set(FORMATS)
    assert len({line.locale for line in lines if not line.benign}) == 12


def test_every_label_is_a_verbatim_substring_and_lines_hold_their_family() -> None:
    for line in corpus():
        assert all(label.text and label.text in line.text for label in line.labels), line
        if line.kind in FAMILIES:
            assert any(label.family == line.kind for label in line.labels), line
        assert all(label.family in FAMILIES for label in line.labels)


def test_benign_lines_carry_no_labels_and_no_secret_shapes() -> None:
    for line in corpus():
        if line.kind in FAMILIES:
            continue
        assert line.benign, line
        assert not SECRET_PREFIXES.search(line.text), line
        assert not re.search(r"\b\d{1,3}(?:\.\d{1,3}){3}\b(?!\.)", line.text) or line.kind == "build_id", line
        for run in re.findall(r"\d[\d -]{11,21}\d", line.text):
            digits = re.sub(r"\D", "", run)
            assert not (13 <= len(digits) <= 19 and luhn_ok(digits)), line


def test_cards_pass_luhn_and_ibans_pass_mod97() -> None:
    cards, ibans = _labels("card"), _labels("iban")
    assert cards and ibans
    for _line, values in cards:
        assert _holds(lambda value: luhn.is_valid(re.sub(r"[ -]", "", value)), values), values
    for _line, values in ibans:
        assert _holds(lambda value: mod97_ok(value) and stdnum_iban.is_valid(value), values), values


@pytest.mark.parametrize(("family", "checks"), [("id_number", ID_CHECKS), ("tax_id", TAX_CHECKS)])
def test_national_numbers_validate(family: str, checks: dict[str, tuple[Check, ...]]) -> None:
    checked = 0
    for line, values in _labels(family):
        if family == "id_number" and any(PASSPORT.match(value) for value in values):
            continue  # passport numbers have no public check digit outside the MRZ
        assert any(_holds(check, values) for check in checks[line.locale]), (line.locale, values)
        checked += 1
    assert checked > 50


def test_phone_numbers_are_valid_in_their_country() -> None:
    region = {line.locale: line.locale.split("-")[1] for line in corpus() if not line.benign}
    for line, values in _labels("phone"):
        assert _holds(partial(_valid_phone, region[line.locale]), values), values


def test_credentials_have_their_issuers_shape() -> None:
    for family, shape in TOKEN_SHAPES.items():
        values = _labels(family)
        assert values
        for _line, spellings in values:
            assert any(shape.match(value) for value in spellings), (family, spellings)
    for _line, spellings in _labels("jwt"):
        header = min(spellings).split(".")[0]
        assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["typ"] == "JWT"
    for _line, spellings in _labels("http_basic"):
        assert _holds(lambda value: b":" in base64.b64decode(value, validate=True), spellings)


def test_service_account_labels_are_key_id_and_key_body() -> None:
    for line in corpus():
        if line.kind != "service_account":
            continue
        texts = [label.text for label in line.labels if label.family == "service_account"]
        assert len(texts) == 2, line.text[:200]
        assert re.fullmatch(r"[0-9a-f]{40}", texts[0])
        assert texts[1].startswith("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC") and len(texts[1]) > 1600


def _parses(line: Line) -> None:
    text = line.text
    if line.format in {"ecs_json", "gelf"}:
        json.loads(text)
    elif line.format == "http_dump":
        assert isinstance(ast.literal_eval(text.removeprefix("send: ")), bytes)
    elif line.format == "celery_repr" and " kwargs=" in text:
        assert isinstance(ast.literal_eval(text.split(" kwargs=", 1)[1]), dict)
    elif line.format == "csv_audit":
        assert len(list(csv.reader([text]))) == 1
    elif line.format == "helm_yaml":
        assert isinstance(yaml.safe_load(text.split("USER-SUPPLIED VALUES:\n", 1)[1]), dict)


def test_structured_layouts_parse() -> None:
    for line in corpus():
        _parses(line)
