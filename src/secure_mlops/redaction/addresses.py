"""Street addresses in free text, by the street-type words of many languages and a house number.

An address is a street name with a house number: `742 Evergreen Terrace`, `Salzachstraße 27`,
`Calle de Alcalá 71`, `7, chemin des Vignes`, `Çağatay Caddesi 12`, `ul. Czeremchowa 5`. What
marks it is the street type, a word of its own (`Street`, `Calle`, `chemin`, `Caddesi`, `ul.`) or
the end of one (`-straße`, `-gatan`, `-vej`, `-katu`, `-straat`), written before or after the
name, with the number on either side. The number is required: `Wall Street` or `via the proxy`
name no home. After the street may come a unit (`Apt. 4`, `Puerta 5`) and, after a comma, a
postcode and a city (`, 10115 Berlin`, `, Springfield, IL 62704`); they go with it.

A street without a type word (`Zahrádkářů 276`) is found after a cue word (`address`, `Adresse`,
`dirección`, `osoite`, `ship to`...), as is any address a cue announces.

The redactor's one pass over the line finds the type words, endings and cues (triggers.py); these
regexes run only on a line that holds one.
"""

from __future__ import annotations

import re
from typing import Final

from secure_mlops.redaction.regex_parts import CJK, PARTICLE, UPPER, alternation, compiled
from secure_mlops.redaction.spans import Span, label

# Street types written as a word of their own, in lowercase (matched in any case): after the name
# and the number in English (`12 Main Street`); before the name in the Romance languages and
# Polish (`Calle Mayor`, `rue de Rivoli`, `ul. Długa`).
TYPES_AFTER: Final = (
    "street", "st", "road", "rd", "avenue", "ave", "boulevard", "blvd", "drive", "dr", "lane", "ln",
    "way", "court", "ct", "place", "pl", "square", "sq", "terrace", "ter", "crescent", "cres", "close",
    "parade", "pde", "highway", "hwy", "parkway", "pkwy", "circle", "cir", "trail", "trl", "row",
    "alley", "bypass", "byp", "expressway", "expy", "freeway", "fwy", "turnpike", "tpke",
    "underpass", "overpass", "causeway", "grove", "gardens", "gdns", "heights", "hts", "mews",
    "esplanade", "promenade", "quay", "wharf", "plaza", "isle", "hill", "ridge",
)
# Turkish types, after the name and before the number: `Çağatay Caddesi 12`.
TYPES_BETWEEN: Final = (
    "caddesi", "cad", "cd", "sokak", "sokağı", "sk", "bulvarı", "blv", "mahallesi", "mah",  # noqa: RUF001 - Turkish, with its dotless i
)
TYPES_BEFORE: Final = (
    "calle", "c/", "avenida", "avda", "camino", "paseo", "plaza", "carrera", "calzada", "privada",
    "vial", "urbanización", "urbanizacion", "pasaje", "pasadizo", "glorieta", "callejón", "cuesta",
    "rambla", "rodovia", "vila", "viela", "vereda", "chácara", "colônia", "contrada", "borgo",
    "rotonda", "incrocio", "esplanada", "pátio", "parque", "loteamento", "stretto", "piazzetta",
    "lungomare", "traversa",
    "cerrada", "circuito", "andador", "prolongación", "carretera", "ronda", "travesía", "rua", "r.",
    "travessa", "largo", "praça", "praca", "estrada", "alameda", "beco", "via", "viale", "piazza",
    "piazzale", "corso", "vicolo", "strada", "rue", "avenue", "boulevard", "bd", "chemin", "allée",
    "impasse", "quai", "route", "place", "cours", "ul", "ulica", "al", "aleja", "pl", "plac", "os",
    "osiedle", "náměstí", "nám", "třída",
)
# Street types written as the end of the name (compounds), in lowercase (matched in any case).
ENDINGS: Final = (
    "straße", "strasse", "str", "gasse", "weg", "allee", "platz", "ring", "damm", "ufer", "chaussee",
    "steig", "pfad", "markt", "straat", "laan", "gracht", "plein", "kade", "singel", "dijk", "steeg",
    "dreef", "baan", "hof", "wal", "haven", "veld", "erf", "tuin", "hoven", "pad",
    "gatan", "gata", "vägen", "väg", "gränd", "torget", "stigen", "allén", "backen", "gate", "gaten",
    "veien", "vegen", "vei", "veg", "plassen", "vej", "gade", "stræde", "plads", "torv", "vænge",
    "katu", "tie", "kuja", "polku", "puisto", "väylä", "tori", "rinne", "kaari",
)
# Words that announce an address, in lowercase (matched whole, in any case).
CUES: Final = (
    "address", "addr", "adresse", "anschrift", "lieferadresse", "wohnhaft", "dirección",
    "direccion", "domicilio", "endereço", "endereco", "morada", "indirizzo", "adres", "adresu",
    "adress", "adresa", "osoite", "ship", "shipping", "deliver", "delivery", "lives",
    "resides", "residence", "domicile", "street", "postal", "mailing", "billing", "moved",
    "dispatched", "courier", "livraison", "entrega", "consegna", "levering",
    "leverans", "toimitus", "dostawa", "teslimat",
)

_UNIT_WORDS: Final = (
    r"(?i:apt|apartment|suite|ste|unit|flat|floor|fl|puerta|piso|apto|depto|dpto|int|interno|bloco|esc|"
    r"escalera|appartamento|scala|piano|lok|m|lgh|leil|as|th|tv|st)"
)
# A word of a name: Main, O'Neil, Oscar-Reichmann, or CJK (中島); not a unit (`Suite 306`) and not
# a protocol's name (`HTTP/1.1`).
_TITLE: Final = (
    rf"(?:(?!{_UNIT_WORDS}\.? ?#?[0-9])[{UPPER}][^\W\d_]*(?:['\u2019\-][^\W\d_]+)*(?![\w/])"
    rf"|[{CJK}]+)"
)
_NAME: Final = rf"{_TITLE}(?: (?:{PARTICLE} )?{_TITLE}){{0,3}}"
_NUMBER: Final = r"[0-9]{1,5}[A-Za-z]?(?: ?[/\-] ?[0-9]{1,5}[A-Za-z]?)?"
_END: Final = r"(?![\w@])"
# A flat before its street, in place of a house number (`Flat 52, Diana Way`; a line break in a
# one-line log shows as `\n`).
_FLAT: Final = r"(?i:flat|apartment|apt|studio|unit|suite)\.? [0-9]{1,4}[A-Za-z]?(?:,? |\\n|\r?\n)"
_UNIT: Final = rf"(?:,? {_UNIT_WORDS}\.? ?#?[0-9][0-9A-Za-z\-]{{0,5}})*"
_POSTCODE: Final = (
    r"(?:[A-Z]{1,2}-)?(?:[0-9]{5}-?[0-9]{3}|[0-9]{3}-[0-9]{4}|[0-9]{2}-[0-9]{3}|[0-9]{3} [0-9]{2}"
    r"|[0-9]{4} ?[A-Z]{2}|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[0-9]{4,5})"
)
_CITY: Final = rf"(?:{PARTICLE} )?{_NAME}"
# `, 10115 Berlin`, `, 24080-681 Ferreira do Galho`, `, Springfield, IL 62704`, `, London SW1A 1AA`.
_POSTCODE_CITY: Final = rf"(?: ?,)? {_POSTCODE} {_CITY}|, {_CITY},? (?:[A-Z]{{2}} )?{_POSTCODE}"
_TAIL: Final = rf"(?:{_POSTCODE_CITY})?"
# After a street's name: the postcode and city at once (`rue de Cordier, 59428 Gillet`: 59428 is
# no house number), or the house number, a unit and perhaps them.
_AFTER_NAME: Final = rf"(?:{_POSTCODE_CITY}|,? {_NUMBER}{_END}{_UNIT}{_TAIL})?"


# 742 Evergreen Terrace, 9350 Nicole Expressway Apt. 369; Çağatay Caddesi 12; with the tail after.
_STREET_TYPE_AFTER: Final = (
    rf"(?<![\w/.-])(?:(?:{_NUMBER},? |{_FLAT}){_NAME} (?i:{alternation(TYPES_AFTER)})\.?(?!\w)"
    rf"|{_NAME} (?i:{alternation(TYPES_BETWEEN)})\.?,? {_NUMBER}{_END}){_UNIT}{_TAIL}"
)
# Calle de Alcalá 71; 7, chemin des Vignes; ul. Długa 5 m. 3.
_STREET_TYPE_BEFORE: Final = (
    rf"(?<![\w/.-])(?:{_NUMBER},? )?(?i:{alternation(TYPES_BEFORE)})\.? (?:{PARTICLE} )?{_NAME}{_AFTER_NAME}"
)
# Salzachstraße 27; 276 Vigerslevvej; Rohlederstr. 46; Oscar-Reichmann-Gasse 2.
_STREET_COMPOUND: Final = (
    rf"(?<![\w/.-])(?:{_NUMBER} )?(?:{_TITLE} )?[{UPPER}](?:[^\W\d_]|['\-](?=[^\W\d_]))*?"
    rf"(?i:{alternation(ENDINGS)})\.?(?![^\W\d_]){_AFTER_NAME}"
)
# After a cue: a name and a number in either order (Zahrádkářů 276; 12 Long Acre: a number first
# needs two words, or `moved 3 Items` would be an address).
_CUED: Final = (
    rf"(?<!\w)(?i:{alternation(CUES)})(?!\w)(?:[^\w\r\n]{{0,4}}[^\W\d_]{{1,12}}(?!\w)){{0,2}}[^\w\r\n]{{0,4}}"
    rf"(?P<value>(?:{_NUMBER},? {_TITLE} {_NAME}|{_NAME},? {_NUMBER}{_END}){_UNIT}{_TAIL})"
)
_LABEL: Final = label("address")
_DIGIT: Final = re.compile(r"[0-9]")


def find(text: str, found: set[str], out: list[Span]) -> None:
    """Append a span for each address in `text`; `found` names what the redactor's pass found
    (`street_type`, `street_ending`, `address_cue`)."""
    if "street_type" in found:
        for pattern in (_STREET_TYPE_AFTER, _STREET_TYPE_BEFORE):
            _collect(compiled(pattern), text, out, 0)
    if "street_ending" in found:
        _collect(compiled(_STREET_COMPOUND), text, out, 0)
    if "address_cue" in found:
        _collect(compiled(_CUED), text, out, "value")


def _collect(pattern: re.Pattern[str], text: str, out: list[Span], group: int | str) -> None:
    for match in pattern.finditer(text):
        start, end = match.span(group)
        # A house number is what makes a street an address (`Wall Street` alone is not one).
        if _DIGIT.search(text, start, end):
            out.append((start, end, _LABEL))


TRIGGER_WORDS: Final = {"street_type": (*TYPES_AFTER, *TYPES_BETWEEN, *TYPES_BEFORE), "address_cue": CUES}
TRIGGER_ENDINGS: Final = {"street_ending": ENDINGS}
