"""The held-out locales: which mimesis locale, prose language, phone plan, ids and bank country each uses.

None of them is en_US, de_DE, fr_FR, es_ES, ja_JP, en_GB, it_IT or pt_BR, so names, streets and
number layouts differ from what the project's own corpus draws.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from tests.support.redaction_holdout import ids

Gen = Callable[[random.Random], str]


@dataclass(frozen=True)
class LocaleSpec:
    """What one locale contributes: its data source, language, number plans and registries."""

    code: str  # the corpus' locale tag
    mimesis: str  # mimesis.locales.Locale value
    language: str  # prose language key in templates.yaml
    country_code: str  # E.164 calling code without "+"
    iban_country: str  # IBAN issued to accounts of this locale's people (foreign for AU, CA, MX)
    mail_domains: tuple[str, ...]
    id_numbers: tuple[tuple[str, Gen], ...]  # (key word people use, generator)
    tax_ids: tuple[tuple[str, Gen], ...]
    address_layout: str  # how street line, postal code and city join


LOCALES: tuple[LocaleSpec, ...] = (
    LocaleSpec(
        "nl-NL",
        "nl",
        "nl",
        "31",
        "NL",
        ("ziggo.nl", "kpnmail.nl", "hetnet.nl", "gmail.com"),
        (("bsn", ids.bsn), ("paspoortnummer", ids.passport("nl"))),
        (("btw", ids.nl_btw), ("BTW-id", ids.nl_btw)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "pl-PL",
        "pl",
        "pl",
        "48",
        "PL",
        ("wp.pl", "onet.pl", "interia.pl", "o2.pl"),
        (("pesel", ids.pesel), ("nr paszportu", ids.passport("pl"))),
        (("nip", ids.pl_nip), ("NIP", ids.pl_nip)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "sv-SE",
        "sv",
        "sv",
        "46",
        "SE",
        ("telia.com", "bredband.net", "outlook.com"),
        (("personnummer", ids.personnummer), ("pnr", ids.personnummer)),
        (("orgnr", ids.se_orgnr),),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "da-DK",
        "da",
        "da",
        "45",
        "DK",
        ("mail.dk", "jubii.dk", "gmail.com"),
        (("cpr", ids.cpr), ("CPR-nr.", ids.cpr)),
        (("cvr", ids.dk_cvr), ("CVR-nummer", ids.dk_cvr)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "cs-CZ",
        "cs",
        "cs",
        "420",
        "CZ",
        ("seznam.cz", "email.cz", "centrum.cz"),
        (("rodne_cislo", ids.rodne_cislo), ("RČ", ids.rodne_cislo)),
        (("dic", ids.cz_dic), ("DIČ", ids.cz_dic)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "fi-FI",
        "fi",
        "fi",
        "358",
        "FI",
        ("suomi24.fi", "luukku.com", "elisanet.fi"),
        (("hetu", ids.hetu), ("henkilötunnus", ids.hetu)),
        (("y_tunnus", ids.fi_ytunnus), ("Y-tunnus", ids.fi_ytunnus)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "en-AU",
        "en-au",
        "en",
        "61",
        "NL",
        ("bigpond.com", "optusnet.com.au", "outlook.com"),
        (("medicare_no", ids.medicare), ("passport_no", ids.passport("au"))),
        (("tfn", ids.au_tfn), ("ABN", ids.au_abn)),
        "{street}, {city} {state} {postal}",
    ),
    LocaleSpec(
        "en-CA",
        "en-ca",
        "en",
        "1",
        "PT",
        ("shaw.ca", "rogers.com", "sympatico.ca", "gmail.com"),
        (("passport_number", ids.passport("ca")), ("ssn", ids.us_ssn)),
        (("sin", ids.ca_sin), ("SIN", ids.ca_sin)),
        "{street}, {city}, {state} {postal}",
    ),
    LocaleSpec(
        "tr-TR",
        "tr",
        "tr",
        "90",
        "TR",
        ("hotmail.com.tr", "yandex.com.tr", "gmail.com"),
        (("tckn", ids.tckimlik), ("TC Kimlik No", ids.tckimlik)),
        (("vkn", ids.tr_vkn), ("vergi_no", ids.tr_vkn)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "pt-PT",
        "pt",
        "pt",
        "351",
        "PT",
        ("sapo.pt", "netcabo.pt", "gmail.com"),
        (("cc", ids.pt_cc), ("Cartão de Cidadão", ids.pt_cc)),
        (("nif", ids.pt_nif), ("NIF", ids.pt_nif)),
        "{street}, {postal} {city}",
    ),
    LocaleSpec(
        "es-MX",
        "es-mx",
        "es",
        "52",
        "NO",
        ("prodigy.net.mx", "hotmail.com", "yahoo.com.mx"),
        (("curp", ids.curp), ("DNI", ids.es_dni)),
        (("rfc", ids.mx_rfc), ("RFC", ids.mx_rfc)),
        "{street}, C.P. {postal}, {city}",
    ),
    LocaleSpec(
        "nb-NO",
        "no",
        "nb",
        "47",
        "NO",
        ("online.no", "broadpark.no", "gmail.com"),
        (("fodselsnummer", ids.fodselsnummer), ("fnr", ids.fodselsnummer)),
        (("orgnr", ids.no_orgnr),),
        "{street}, {postal} {city}",
    ),
)
