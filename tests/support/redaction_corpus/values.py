"""Sensitive values and near-miss benign values, spelled the way set A or set B spells them.

Every secret is random but has the shape its service issues (prefix, length, alphabet), and every
checked identifier passes its check (Luhn, mod-97), so a detector that validates cannot dismiss it.
Set B spells the same families differently from set A (separators, case, prefixes, key versions).
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
from collections.abc import Callable

from faker import Faker

Values = tuple[str, ...]
ValueMaker = Callable[[Faker, random.Random, str], Values]

ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def _chars(rng: random.Random, alphabet: str, size: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(size))


def _pick(rng: random.Random, style: str, a: tuple[str, ...], b: tuple[str, ...]) -> str:
    return rng.choice(a if style == "A" else b)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def luhn_digit(digits: str) -> int:
    """The check digit that makes `digits` + it pass Luhn."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def _grouped(value: str, size: int, sep: str) -> str:
    return sep.join(value[i : i + size] for i in range(0, len(value), size))


def email(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return (fake.email(),)
    return (f"{fake.user_name()}.{rng.randint(1, 99)}@{fake.free_email_domain()}",)


def phone(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return (fake.phone_number(),)
    national = f"{rng.randint(200, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
    area, mid, end = national[:3], national[3:6], national[6:]
    return (rng.choice((
        f"({area}) {mid}-{end} x{rng.randint(10, 9999)}", f"{area}.{mid}.{end}", f"001-{area}-{mid}-{end}",
        f"+{rng.randint(30, 49)} {area} {mid} {end}", f"+{rng.randint(30, 49)} ({area[:2]}) {mid}{end}",
        f"{area} {mid} {end} ext. {rng.randint(10, 999)}",
    )),)


def _us_ssn(rng: random.Random) -> tuple[str, str, str]:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"


def tax_id(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return (fake.ssn(),)
    area, group, serial = _us_ssn(rng)
    return (rng.choice((" ", ".", "")).join((area, group, serial)),)


def card(fake: Faker, rng: random.Random, style: str) -> Values:
    number = fake.credit_card_number(card_type=rng.choice(("visa16", "mastercard", "discover")))
    return (number if style == "A" else _grouped(number, 4, rng.choice((" ", "-"))),)


def iban(fake: Faker, rng: random.Random, style: str) -> Values:
    value = fake.iban()
    if style == "A":
        return (value,)
    return (rng.choice((_grouped(value, 4, " "), value.lower(), _grouped(value, 4, " ").lower())),)


def ipv4(fake: Faker, rng: random.Random, style: str) -> Values:
    return (fake.ipv4_public(),)


def ipv6(fake: Faker, rng: random.Random, style: str) -> Values:
    value = fake.ipv6()
    if style == "A":
        return (value,)
    return (rng.choice((value.upper(), f"2a0{rng.randint(1, 9)}:{rng.getrandbits(16):x}::{rng.getrandbits(16):x}")),)


def mac(fake: Faker, rng: random.Random, style: str) -> Values:
    value = fake.mac_address()
    return (value if style == "A" else value.upper().replace(":", rng.choice(("-", ":"))),)


def name(fake: Faker, rng: random.Random, style: str) -> Values:
    return (fake.name() if style == "A" else f"{fake.first_name()} {fake.last_name()}",)


def address(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return (fake.street_address(),)
    return (f"{fake.street_address()}, {fake.postcode()} {fake.city()}",)


def id_number(fake: Faker, rng: random.Random, style: str) -> Values:
    letters = _chars(rng, string.ascii_uppercase, rng.choice((1, 2)))
    return (f"{letters}{rng.randint(10**6, 10**8 - 1)}" if style == "A" else f"{rng.randint(10**7, 10**8 - 1)}{letters}",)


def github_token(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return ("ghp_" + _chars(rng, ALNUM, 36),)
    if rng.random() < 0.5:
        return (rng.choice(("gho_", "ghs_", "ghu_")) + _chars(rng, ALNUM, 36),)
    return ("github_pat_" + _chars(rng, ALNUM, 22) + "_" + _chars(rng, ALNUM, 59),)


def slack_token(fake: Faker, rng: random.Random, style: str) -> Values:
    prefix = _pick(rng, style, ("xoxb",), ("xoxp", "xoxa", "xoxs"))
    return (f"{prefix}-{rng.randint(10**10, 10**12)}-{rng.randint(10**10, 10**12)}-{_chars(rng, ALNUM, 24)}",)


def stripe_key(fake: Faker, rng: random.Random, style: str) -> Values:
    return (_pick(rng, style, ("sk_live_",), ("rk_live_", "sk_test_", "rk_test_")) + _chars(rng, ALNUM, rng.randint(24, 99)),)


def google_api_key(fake: Faker, rng: random.Random, style: str) -> Values:
    return ("AIza" + _chars(rng, B64URL, 35),)


def openai_key(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return ("sk-" + _chars(rng, ALNUM, 48),)
    return ("sk-proj-" + _chars(rng, B64URL, 74) + "T3BlbkFJ" + _chars(rng, B64URL, 74),)


def service_account(fake: Faker, rng: random.Random, style: str) -> Values:
    """The private key id and the base64 body of the private key (its PEM lines joined by newlines)."""
    body = base64.b64encode(rng.randbytes(rng.choice((240, 320)))).decode()
    return (f"{rng.getrandbits(160):040x}", _grouped(body, 64, "\n"))


def http_basic(fake: Faker, rng: random.Random, style: str) -> Values:
    return (base64.b64encode(f"{fake.user_name()}:{fake.password(length=12)}".encode()).decode(),)


def session_cookie(fake: Faker, rng: random.Random, style: str) -> Values:
    return (_chars(rng, ALNUM, 32) if style == "A" else "s%3A" + _chars(rng, B64URL, 32) + "." + _chars(rng, B64URL, 43),)


def password(fake: Faker, rng: random.Random, style: str) -> Values:
    # No character that would end a URL's user info or a shell word: the password stays one value.
    return (_chars(rng, ALNUM if style == "A" else ALNUM + "!$^*_-.", rng.randint(10, 16)),)


def aws_key(fake: Faker, rng: random.Random, style: str) -> Values:
    key_id = rng.choice(("AKIA", "ASIA")) + _chars(rng, string.ascii_uppercase + "234567", 16)
    return (key_id,) if style == "A" else (key_id, _chars(rng, ALNUM + "+/", 40))


def vault_token(fake: Faker, rng: random.Random, style: str) -> Values:
    if style == "A":
        return ("hvs." + _chars(rng, ALNUM, 24),)
    return (rng.choice(("hvb.", "hvr.", "s.")) + _chars(rng, ALNUM, rng.randint(24, 90)),)


def jwt(fake: Faker, rng: random.Random, style: str) -> Values:
    header = {"alg": _pick(rng, style, ("HS256",), ("RS256", "ES256")), "typ": "JWT"}
    claims = {"sub": fake.user_name(), "iat": rng.randint(1_600_000_000, 1_800_000_000), "email": fake.email()}
    parts = (_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()), _b64url(rng.randbytes(32)))
    return (".".join(parts),)


SENSITIVE: dict[str, ValueMaker] = {
    "email": email, "phone": phone, "tax_id": tax_id, "card": card, "iban": iban, "ipv4": ipv4, "ipv6": ipv6,
    "mac": mac, "name": name, "address": address, "id_number": id_number, "github_token": github_token,
    "slack_token": slack_token, "stripe_key": stripe_key, "google_api_key": google_api_key,
    "openai_key": openai_key, "service_account": service_account, "http_basic": http_basic,
    "session_cookie": session_cookie, "cli_password": password, "connection_string": password,
    "aws_key": aws_key, "vault_token": vault_token, "jwt": jwt,
}


def near_miss(kind: str, rng: random.Random) -> str:
    """A benign value of `kind` that looks like an identifier or a secret."""
    if kind == "commit":
        return f"{rng.getrandbits(160):040x}"[: rng.choice((7, 12, 40))]
    if kind == "digest":
        prefix, size = rng.choice((("sha256:", 64), ("sha1:", 40), ("md5=", 32)))
        return prefix + f"{rng.getrandbits(4 * size):0{size}x}"
    if kind == "uuid":
        return f"{rng.getrandbits(128):032x}" if rng.random() < 0.2 else str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if kind == "trace_id":
        return f"{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}"
    if kind == "order_number":
        digits = "".join(rng.choice(string.digits) for _ in range(15))
        return digits + str((luhn_digit(digits) + rng.randint(1, 9)) % 10)  # fails Luhn by construction
    if kind == "version":
        return rng.choice(("v", "", "release-")) + ".".join(str(rng.randint(0, 30)) for _ in range(3)) + rng.choice(
            ("", "-rc.1", "+build.7", ".post1"))
    if kind == "masked":  # a secret someone already hid
        return rng.choice(("*" * rng.randint(3, 12), "[REDACTED]", "<redacted>", "x" * rng.randint(4, 10), "***",
                           "\u2022" * 8, "****" + str(rng.randint(1000, 9999)), "<hidden>", "REDACTED"))
    if kind == "port_list":
        ports = [str(rng.choice((80, 443, 3000, 5432, 6379, 8080, 8443, 9090, 9100, 9443))) for _ in range(rng.randint(2, 4))]
        return rng.choice((
            ", ".join(ports), ",".join(ports), " ".join(ports), f"{ports[0]}-{int(ports[0]) + 10}",
            ", ".join(f"{port}/{rng.choice(('tcp', 'udp'))}" for port in ports), f"0.0.0.0:{ports[0]}->{ports[1]}/tcp",
            f"[::]:{ports[0]}", f"{ports[0]}:{ports[1]}", "30000-32767", " ".join(f":{port}" for port in ports),
        ))
    if kind == "title_case":  # products, services and teams: capitalized words that name no one
        return rng.choice((
            "Great Expectations", "Feature Store", "Model Registry", "Kubeflow Pipelines", "Prometheus Operator",
            "Cert Manager", "Argo Workflows", "Apache Spark", "Google Cloud Storage", "Azure Blob Storage",
            "Secret Manager", "Key Vault", "Data Catalog", "Vertex Pipelines", "Power Automate", "New Relic",
            "Grafana Loki", "Open Policy Agent", "Platform Team", "Customer Success", "Payments Service",
        ))
    return f"{rng.randint(0, 10**9)}"  # metric: a bare counter value
