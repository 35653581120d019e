"""National identity and tax numbers recognized by their written form and check digits alone.

Some national numbers are written in a form no other number takes, and carry a check digit or a
date: a Finnish henkilötunnus `131052-308T`, a Swedish personnummer `811218-9876`, a Czech rodné
číslo `736028/5163`, a Polish NIP `123-456-32-18`, a Brazilian CPF `390.533.447-05`, a Mexican RFC
or CURP, an Italian codice fiscale, a Spanish DNI `54362315K` or NIE `X2482300W`, a Dutch BSN
written `1112.22.333`, a French NIR written in groups, an EU VAT number (`CZ12345679`: a sole
trader's is their own), a Norwegian fødselsnummer written `151086 95088`, a Portuguese cartão de
cidadão number. Those are redacted wherever they stand, once python-stdnum's validator (the
issuers' published rules) accepts them.

Numbers written as plain digits (a Polish PESEL, a Turkish TC kimlik, a Norwegian
fødselsnummer, a German Steuer-ID, a Dutch BSN without dots) pass some check by chance too often
to be told from a counter; they are redacted after a cue word (context.py) or under a key.

Gate: each form's shape (patterns.shape_of) holds one of `SHAPES`, which the redactor's pass over
the shape finds; only then do these regexes run.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable
from typing import Final

from secure_mlops.redaction.spans import Span, label

SHAPES: Final = (
    "999999-999",  # henkilötunnus, personnummer, CPR (also 99999999-9999)
    "999999+999",
    "999999A999",
    "999999/999",  # rodné číslo
    "999-999-99-99",  # NIP
    "999-99-99-999",
    "999.999.999-99",  # CPF
    "AAA999999",  # RFC, CURP
    "AAAAAA99A99A999A",  # codice fiscale
    "99999999A",  # DNI
    "99999999-A",
    "A9999999A",  # NIE
    "A-9999999-A",
    "9999.99.999",  # BSN with dots
    "99 999 999 99",  # NIR in groups
    "AA99999999",  # an EU VAT number: a sole trader's is personal (CZ12345679, NL004495445B01)
    "AA 99999999",
    "999999 99999",  # fødselsnummer
    "99999999 9 AA9",  # cartão de cidadão
)

# Each form with the python-stdnum modules whose validator decides.
_FORMS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (r"[0-9]{6}[-+A][0-9]{3}[0-9A-Y]", ("fi.hetu",)),
    (r"(?:[0-9]{2})?[0-9]{6}[-+][0-9]{4}", ("se.personnummer", "dk.cpr")),
    (r"[0-9]{6}/[0-9]{3,4}", ("cz.rc",)),
    (r"[0-9]{3}-(?:[0-9]{3}-[0-9]{2}-[0-9]{2}|[0-9]{2}-[0-9]{2}-[0-9]{3})", ("pl.nip",)),
    (r"[0-9]{3}\.[0-9]{3}\.[0-9]{3}-[0-9]{2}", ("br.cpf",)),
    (r"[A-Z]{4}[0-9]{6}[HMX][A-Z]{5}[0-9A-Z][0-9]", ("mx.curp",)),
    (r"[A-Z&]{3,4}[0-9]{6}[A-Z0-9]{3}", ("mx.rfc",)),
    (r"[A-Z]{6}[0-9]{2}[A-Z][0-9]{2}[A-Z][0-9]{3}[A-Z]", ("it.codicefiscale",)),
    (r"[0-9]{8}-?[A-Z]", ("es.dni",)),
    (r"[XYZ]-?[0-9]{7}-?[A-Z]", ("es.nie",)),
    (r"[0-9]{4}\.[0-9]{2}\.[0-9]{3}", ("nl.bsn",)),
    (r"[12] [0-9]{2} [0-9]{2} (?:[0-9]{2}|2[AB]) [0-9]{3} [0-9]{3} [0-9]{2}", ("fr.nir",)),
    (r"(?:AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI) ?"
     r"[0-9A-Z]{8,12}", ("eu.vat",)),
    (r"NO ?[0-9]{3} ?[0-9]{3} ?[0-9]{3} ?MVA", ("no.mva",)),
    (r"[0-9]{6} [0-9]{5}", ("no.fodselsnummer",)),
    (r"[0-9]{8} [0-9] [A-Z]{2}[0-9]", ("pt.cc",)),
)
# One regex, a group per form; not inside a longer word or number.
_NATIONAL_ID: Final = re.compile(
    r"(?<![A-Za-z0-9_./\-])(?:" + "|".join(f"(?P<form{index}>{form})" for index, (form, _) in enumerate(_FORMS))
    + r")(?![A-Za-z0-9_]|[./\-][0-9])",
    re.ASCII,
)
_LABEL: Final = label("national_id")


def find(text: str, out: list[Span]) -> None:
    """Append a span for each national number in `text` that its issuer's rules accept."""
    for match in _NATIONAL_ID.finditer(text):
        modules = _FORMS[int((match.lastgroup or "form0")[4:])][1]
        if any(_is_valid(module)(match.group()) for module in modules):
            out.append((match.start(), match.end(), _LABEL))


@functools.cache
def _is_valid(module: str) -> Callable[[str], bool]:
    """The validator of python-stdnum's `module`, imported on first use: the package takes tens
    of milliseconds to import, which a process that never meets such a number should not pay."""
    validate: Callable[[str], bool] = importlib.import_module(f"stdnum.{module}").is_valid
    return validate
