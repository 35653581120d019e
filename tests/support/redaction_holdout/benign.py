"""Near-miss events: lines holding nothing secret or personal that still look like they might.

Hashes, ids, versions, metrics and capitalised product names are the usual false positives of a
redactor; these lines must come out of it unchanged.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import uuid
from collections.abc import Callable

from tests.support.redaction_holdout import tokens
from tests.support.redaction_holdout.checksums import luhn_digit
from tests.support.redaction_holdout.events import Event, fill, templates
from tests.support.redaction_holdout.segments import Value, plain

HEX = "0123456789abcdef"


def kinds() -> tuple[str, ...]:
    return tuple(templates()["benign"])


def _hex(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(HEX) for _ in range(count))


def failed_luhn(rng: random.Random) -> str:
    """A 16-digit number shaped like a card number whose Luhn check fails."""
    head = rng.choice("3456") + "".join(rng.choice(string.digits) for _ in range(14))
    wrong = str((int(luhn_digit(head)) + rng.randrange(1, 10)) % 10)
    number = head + wrong
    return rng.choice((number, "-".join(number[start : start + 4] for start in range(0, 16, 4))))


def _pod(rng: random.Random) -> str:
    base = rng.choice(("inference-api", "feature-sync", "trainer", "mlflow-server", "great-expectations-runner"))
    suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    return f"{base}-{_hex(rng, 10)[: rng.choice((9, 10))]}-{suffix}"


def _iso(rng: random.Random) -> str:
    moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(3_000_000))
    return rng.choice((moment.isoformat(), moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), moment.strftime("%d/%b/%Y:%H:%M:%S +0000")))


def makers(rng: random.Random) -> dict[str, Callable[[], Value]]:
    def semver() -> str:
        return f"{rng.randrange(0, 4)}.{rng.randrange(0, 30)}.{rng.randrange(0, 20)}" + rng.choice(("", "", "-rc.1", "+build.7"))

    return {
        "git_sha": lambda: plain(_hex(rng, 40)),
        "short_sha": lambda: plain(_hex(rng, rng.choice((7, 8, 12)))),
        "sha256": lambda: plain(_hex(rng, 64)),
        "uuid": lambda: plain(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        "trace_id": lambda: plain(_hex(rng, 32)),
        "span_id": lambda: plain(_hex(rng, 16)),
        "failed_luhn": lambda: plain(failed_luhn(rng)),
        "semver": lambda: plain(semver()),
        "semver2": lambda: plain(semver()),
        "ms": lambda: plain(f"{rng.randrange(1, 900)}.{rng.randrange(10)}"),
        "count": lambda: plain(str(rng.randrange(1000, 9_999_999))),
        "pct": lambda: plain(str(rng.randrange(10, 99))),
        "pct2": lambda: plain(str(rng.randrange(0, 9))),
        "pod": lambda: plain(_pod(rng)),
        "iso": lambda: plain(_iso(rng)),
        "iso2": lambda: plain(_iso(rng)),
        "epoch": lambda: plain(str(1_764_000_000 + rng.randrange(5_000_000))),
        "nonce": lambda: plain(_hex(rng, rng.choice((16, 24, 32)))),
        "build_id": lambda: plain(
            rng.choice(
                (
                    f"{rng.randrange(2024, 2027)}.{rng.randrange(1, 13)}.{rng.randrange(1, 29)}.{rng.randrange(1, 9)}",
                    f"b{rng.randrange(10000, 99999)}",
                    f"ci-{rng.randrange(100000, 999999)}-{_hex(rng, 7)}",
                )
            )
        ),
        "pk": lambda: plain(tokens.stripe_publishable(rng)),
        "account": lambda: plain(str(rng.randrange(10**11, 10**12))),
    }


def event(kind: str, rng: random.Random) -> Event:
    template = rng.choice(templates()["benign"][kind])
    return Event(message=fill(template, makers(rng)), level=rng.choice(("INFO", "DEBUG", "WARN")), topic="platform")
