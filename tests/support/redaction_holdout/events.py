"""What happened, before it is written out: a message, structured fields and HTTP headers.

An event is built for one family and locale from templates.yaml; the format then decides how the
message, fields and headers are laid out and escaped. Placeholders become labelled values.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.support.redaction_holdout import ids, tokens
from tests.support.redaction_holdout.locales import LocaleSpec
from tests.support.redaction_holdout.personal import PersonalSource, ipv4, ipv6, mac
from tests.support.redaction_holdout.segments import Seg, Value, join, plain, secret

TEMPLATES = Path(__file__).with_name("templates.yaml")
HEADER_FAMILIES = {"http_basic": "Authorization", "session_cookie": "Cookie", "jwt": "Authorization"}
CURRENCIES = ("EUR", "PLN", "SEK", "DKK", "CZK", "TRY", "NOK", "AUD", "CAD", "MXN")
LOCAL_PROSE = ("name", "address", "email", "phone", "id_number", "tax_id", "card", "iban")


@dataclass(frozen=True)
class Field:
    key: str
    value: Value


@dataclass
class Event:
    """One log event. `client` is the peer address (labelled) or None; formats may leave it out."""

    message: Value
    fields: list[Field] = field(default_factory=list)
    headers: list[Field] = field(default_factory=list)
    client: Value | None = None
    level: str = "INFO"
    topic: str = "crm"


@cache
def templates() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))


def fill(template: str, values: dict[str, Callable[[], Value]]) -> Value:
    """Split `template` on its placeholders and draw each value once, in order."""
    out: list[Seg] = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            out.append(Seg(literal))
        if name is not None:
            out.extend(values[name]())
    return tuple(out)


class EventFactory:
    """Builds events for one locale; every draw goes through `rng` (and mimesis seeded from it)."""

    def __init__(self, spec: LocaleSpec, rng: random.Random) -> None:
        self.spec, self.rng = spec, rng
        self.people = PersonalSource(spec, rng)
        self.data = templates()

    # --- values ---------------------------------------------------------------------------------
    def _phone(self) -> Value:
        phone = self.people.phone()
        return join(secret("phone", phone.number), phone.extension)

    def _id(self) -> tuple[str, Value]:
        word, make = self.rng.choice(self.spec.id_numbers)
        return word, secret("id_number", make(self.rng))

    def _tax(self) -> tuple[str, Value]:
        word, make = self.rng.choice(self.spec.tax_ids)
        return word, secret("tax_id", make(self.rng))

    def _basic_user(self) -> str:
        return self.rng.choice(("svc-export", "grafana", "ci-bot", "airflow", "admin"))

    def value_makers(self) -> dict[str, Callable[[], Value]]:
        rng, people = self.rng, self.people
        ident, tax = self._id(), self._tax()
        cookie_name, cookie_value = tokens.session_cookie(rng)
        project = rng.choice(("kassa-ml-prod", "feature-store-412", "churn-training"))
        return {
            "name": lambda: secret("name", people.name()),
            "email": lambda: secret("email", people.email()),
            "phone": self._phone,
            "address": lambda: secret("address", people.address()),
            "street": lambda: secret("address", people.street()),
            "id_word": lambda: plain(ident[0]),
            "id_number": lambda: ident[1],
            "tax_word": lambda: plain(tax[0]),
            "tax_id": lambda: tax[1],
            "card": lambda: secret("card", ids.card(rng)),
            "iban": lambda: secret("iban", _iban(self.spec, rng)),
            "ipv4": lambda: secret("ipv4", ipv4(rng)),
            "ipv6": lambda: secret("ipv6", ipv6(rng)),
            "mac": lambda: secret("mac", mac(rng)),
            "github_token": lambda: tokens.github_token(rng),
            "slack_token": lambda: tokens.slack_token(rng),
            "stripe_key": lambda: tokens.stripe_key(rng),
            "google_api_key": lambda: tokens.google_api_key(rng),
            "openai_key": lambda: tokens.openai_key(rng),
            "service_account": lambda: tokens.service_account(rng, project),
            "http_basic": lambda: tokens.http_basic(rng, self._basic_user()),
            "cookie_name": lambda: plain(cookie_name),
            "session_cookie": lambda: cookie_value,
            "cli_password": lambda: tokens.cli_password(rng),
            "connection_string": lambda: tokens.connection_string(rng),
            "aws_key_id": lambda: tokens.aws_key_id(rng),
            "aws_secret": lambda: tokens.aws_secret(rng),
            "vault_token": lambda: tokens.vault_token(rng),
            "jwt": lambda: tokens.jwt(rng),
            "order": lambda: plain(f"{rng.choice(('ORD', 'SO', 'INV'))}-{rng.randrange(100000, 999999)}"),
            "amount": lambda: plain(f"{rng.randrange(5, 900)},{rng.randrange(100):02d} {rng.choice(CURRENCIES)}"),
        }

    # --- events ---------------------------------------------------------------------------------
    def event(self, family: str) -> Event:
        makers = self.value_makers()
        prose = self.data["prose"]
        personal = family in LOCAL_PROSE or family in {"ipv4", "ipv6", "mac"}
        event = Event(message=(), topic="crm" if personal else "platform")
        mode = self.rng.random()
        if mode < 0.45:
            language = self.spec.language if family in LOCAL_PROSE and self.rng.random() < 0.6 else "en"
            pool = prose.get(language, {}).get(family) or prose["en"].get(family) or prose["tech"][family]
            event.message = fill(self.rng.choice(pool), makers)
        else:
            event.message = plain(self.rng.choice(self.data["messages"]["personal" if personal else "secret"]))
            self._add_fields(event, family, makers)
        if personal and self.rng.random() < 0.35:  # a second personal value on the same line
            extra = self.rng.choice(("email", "phone", "name"))
            if extra != family:
                event.fields.append(Field(self.rng.choice(self.data["keys"][extra]), makers[extra]()))
        if family not in {"ipv4", "ipv6"}:
            event.client = makers["ipv4" if self.rng.random() < 0.8 else "ipv6"]()
        event.level = self.rng.choice(("INFO", "INFO", "WARN", "ERROR", "DEBUG"))
        return event

    def _add_fields(self, event: Event, family: str, makers: dict[str, Callable[[], Value]]) -> None:
        keys = self.data["keys"]
        if family in HEADER_FAMILIES and self.rng.random() < 0.6:
            if family == "session_cookie":
                cookie = join(
                    makers["cookie_name"](),
                    "=",
                    makers["session_cookie"](),
                    self.rng.choice(("", "; _ga=GA1.2.1180.1733380000", "; theme=dark")),
                )
                event.headers.append(Field("Cookie", cookie))
            else:
                value = makers["http_basic"]() if family == "http_basic" else join("Bearer ", makers["jwt"]())
                event.headers.append(Field(HEADER_FAMILIES[family], value))
            return
        if family == "aws_key":
            event.fields.append(Field(self.rng.choice(keys["aws_key_id"]), makers["aws_key_id"]()))
            event.fields.append(Field(self.rng.choice(keys["aws_secret"]), makers["aws_secret"]()))
            return
        if family == "session_cookie":
            event.fields.append(Field(self.rng.choice(keys[family]), join(makers["cookie_name"](), "=", makers[family]())))
            return
        if family == "name" and self.rng.random() < 0.3:  # split into its parts, each a label
            first, last = self.people.first_last()
            given, sur = self.rng.choice((("given_name", "surname"), ("firstName", "lastName"), ("voornaam", "achternaam")))
            event.fields += [Field(given, secret("name", first)), Field(sur, secret("name", last))]
            return
        placeholder = "street" if family == "address" and self.rng.random() < 0.4 else family
        key = self.rng.choice(keys[placeholder])
        if family == "id_number" and self.rng.random() < 0.5:
            key = _keyword(self.spec.id_numbers[0][0])
        if family == "tax_id" and self.rng.random() < 0.5:
            key = _keyword(self.spec.tax_ids[0][0])
        event.fields.append(Field(key, makers[placeholder]()))
        if family == "card":
            event.fields.append(Field("exp", plain(f"{self.rng.randrange(1, 13):02d}/{self.rng.randrange(27, 32)}")))


def _keyword(word: str) -> str:
    return word.lower().replace(" ", "_").replace(".", "").replace("-", "_")


def _iban(spec: LocaleSpec, rng: random.Random) -> str:
    country = spec.iban_country if rng.random() < 0.8 else rng.choice(sorted(ids.IBAN_COUNTRIES))
    return ids.iban(country, rng)
