"""Numbers that only the word before them identifies: identity, tax and bare phone numbers.

A passport number (`X1234567`), a Spanish DNI (`12345678Z`), a Danish phone number (`24 46 70 08`)
or an SSN written without separators look like any order number or counter; the cue word in front
(`passport`, `DNI`, `tel`) is what tells. Cues are words in many languages, matched whole and in
any case; the number may follow after a separator and a word for "number" (`Personalausweis-Nr.:`,
`passport number`, `tel:`, `n°`).

Finding cue words with a regex would try every position of every line; instead the redactor's
one pass over the line (triggers.py) finds them, and only a line that holds a cue meets these
regexes, which then look right after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from secure_mlops.redaction.regex_parts import alternation
from secure_mlops.redaction.spans import Span, label

# Words that announce each kind of number, lowercase (triggers.py also finds them capitalized and
# in capitals), each a whole word: `Steuer-ID:` holds `steuer`. Not `id` alone: `request id
# 1234567` names no person.
CUES: Final[dict[str, tuple[str, ...]]] = {
    # identity documents: passports, identity cards, driving licences
    "id_number": (
        "passport", "passeport", "pasaporte", "passaporte", "passaporto", "paspoort", "paszport",
        "paszportu", "pasaport", "pasnummer", "passnummer", "passinumero", "pasu", "reisepass",
        "ausweis", "personalausweis", "ausweisnummer", "identity", "identidad", "identité",
        "identità", "identiteit", "identiteitskaart", "identitet", "henkilökortti", "dowód", "dowodu",
        "průkaz", "kimlik", "cidadão", "elector", "ine", "documentnummer", "license", "licence",
        "licencia", "führerschein", "rijbewijs", "körkort", "kørekort", "førerkort", "ajokortti",
        "ehliyet", "旅券番号", "マイナンバー", "身份证",
    ),
    # national identity, social security and tax numbers
    "tax_id": (
        "ssn", "tin", "itin", "tax", "taxpayer", "social", "sociale", "sécurité", "seguridad",
        "steuer", "steuernummer", "steueridentifikationsnummer", "nir", "insee", "codice", "fiscale",
        "svnr", "sozialversicherungsnummer", "nhs", "medicare", "nino", "dni", "nie", "nif", "nic",
        "cni", "bsn", "burgerservicenummer", "sofinummer", "pesel", "nip", "personnummer", "personnr",
        "pnr", "samordningsnummer", "cpr", "hetu", "henkilötunnus", "veronumero", "fødselsnummer",
        "fodselsnummer", "fnr", "rodné", "rč", "dič", "tckn", "vkn", "vergi", "contribuinte", "niss", "nss",
        "curp", "rfc", "cpf", "sin", "tfn",
    ),
    "phone": (
        "tel", "tlf", "phone", "telephone", "telefon", "telefoon", "telefono", "teléfono",
        "téléphone", "tél", "mobile", "mobil", "móvil", "cellulare", "cell", "handy", "portable",
        "gsm", "fax", "sms", "callback", "dial", "dialing", "whatsapp", "puhelin", "電話", "電話番号",
    ),
}
# Between a cue and its number: separators, and up to four words (`passport number`, `Nr.:`,
# `sms verification sent to`, `social security number on form:`).
_GAP: Final = r"(?:[^\w\r\n]{0,4}[^\W\d_]{1,14}(?!\w)\.?){0,4}[^\w\r\n]{0,4}"
# Letters and digits in up to four groups joined by `.`, `-`, `/` or a space, each group after the
# first holding a digit, so the word after the number is not taken with it.
_ID_VALUE: Final = r"(?P<value>[A-Za-z]{0,5}[0-9][0-9A-Za-z]*(?:[.\-/ ][A-Za-z]*[0-9][0-9A-Za-z]*){0,3})"
_PHONE_VALUE: Final = r"(?P<value>\+?[0-9(][0-9 .\-()/]{4,22}[0-9])"
_MIN_DIGITS: Final = {"id_number": 5, "tax_id": 8, "phone": 7}
_MAX_DIGITS: Final = {"id_number": 20, "tax_id": 15, "phone": 15}


def _after_cues(kind: str, value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(CUES[kind])})(?!\w){_GAP}{value}(?![\w@])", re.IGNORECASE)


_FINDERS: Final = {
    "id_number": _after_cues("id_number", _ID_VALUE),
    "tax_id": _after_cues("tax_id", _ID_VALUE),
    "phone": _after_cues("phone", _PHONE_VALUE),
}
_LABELS: Final = {kind: label(kind) for kind in CUES}


def find(text: str, kinds: Iterable[str], out: list[Span]) -> None:
    """Append a span for each number of `kinds` right after one of its cue words in `text`."""
    for kind in kinds:
        low, high = _MIN_DIGITS[kind], _MAX_DIGITS[kind]
        for match in _FINDERS[kind].finditer(text):
            value = match["value"]
            digits = sum(char.isdigit() for char in value)
            if low <= digits <= high:
                out.append((match.start("value"), match.end("value"), _LABELS[kind]))
