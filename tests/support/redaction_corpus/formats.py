"""Log line formats: where a message or structured fields go, and how each escapes a value.

A value appears in a line the way the format writes it (JSON escapes, logfmt quoting, URL
encoding in an access line), so labels are spelled through `escape` and stay substrings of the line.
"""

from __future__ import annotations

import json
import random
from urllib.parse import quote_plus

from tests.support.redaction_corpus.templates import Fields, TemplateSet

PROSE = ("plain", "pylogging", "syslog")
STRUCTURED = ("logfmt", "jsonl", "access", "csv", "sql")

_LEVELS = ("INFO", "DEBUG", "WARNING", "ERROR")
_LOGGERS = ("api.handlers", "billing.worker", "auth", "sync.jobs", "gateway")
_HOSTS = ("web-1", "worker-7", "edge-eu-2", "batch-03")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOGFMT_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@+")


def _clock(rng: random.Random) -> tuple[int, int, int, int, int, int]:
    return rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59), rng.randint(0, 999)


def _iso(rng: random.Random) -> str:
    month, day, hour, minute, second, ms = _clock(rng)
    return f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}Z"


def escape(fmt: str, tset: TemplateSet, value: str) -> str:
    """`value` as format `fmt` writes it inside a line (character by character, so a part of a
    field escapes to a part of the escaped field)."""
    if fmt == "jsonl":
        return json.dumps(value, ensure_ascii=tset.json_ascii)[1:-1]
    if fmt == "access":
        return quote_plus(value, safe="@:/")
    if fmt == "logfmt":
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if fmt == "csv":  # a field is quoted when it must be, with its quotes doubled
        return value.replace('"', '""').replace("\n", "\\n")
    if fmt == "sql":
        return value.replace("'", "''").replace("\n", "\\n")
    return value.replace("\n", "\\n")  # a prose line is one line: a line break shows as \n


def prose_line(fmt: str, tset: TemplateSet, rng: random.Random, message: str) -> str:
    level, logger, host = rng.choice(_LEVELS), rng.choice(_LOGGERS), rng.choice(_HOSTS)
    month, day, hour, minute, second, ms = _clock(rng)
    if fmt == "plain":
        return f"{_iso(rng)} {level} {message}" if tset.name == "A" else f"[{_iso(rng)}] [{level.lower()}] {message}"
    if fmt == "pylogging":
        if tset.name == "A":
            return f"2026-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d},{ms:03d} - {logger} - {level} - {message}"
        return f"{level}:{logger}:{message}"
    pid = rng.randint(100, 65000)
    priority = rng.randint(8, 191)
    if tset.name == "A":  # RFC 3164
        return f"<{priority}>{_MONTHS[month - 1]} {day:2d} {hour:02d}:{minute:02d}:{second:02d} {host} app[{pid}]: {message}"
    return f"<{priority}>1 {_iso(rng)} {host} app {pid} - - {message}"  # RFC 5424


def _logfmt_value(fmt: str, tset: TemplateSet, value: str) -> str:
    escaped = escape(fmt, tset, value)
    return escaped if value and set(value) <= _LOGFMT_BARE else f'"{escaped}"'


def _nest(path: tuple[str, ...], fields: Fields) -> dict[str, object]:
    tree: dict[str, object] = dict(fields)
    for key in reversed(path):
        tree = {key: tree}
    return tree


def structured_line(fmt: str, tset: TemplateSet, rng: random.Random, message: str, fields: Fields) -> str:
    level = rng.choice(_LEVELS)
    if fmt == "logfmt":
        pairs = " ".join(f"{key}={_logfmt_value(fmt, tset, value)}" for key, value in fields.items())
        return f'ts={_iso(rng)} level={level.lower()} msg={_logfmt_value(fmt, tset, message)} {pairs}'
    if fmt == "jsonl":
        record = {"ts": _iso(rng), "level": level.lower(), "msg": message, **_nest(tset.json_path, fields)}
        return json.dumps(record, ensure_ascii=tset.json_ascii)
    if fmt == "csv":  # an export row: the header, with the keys, is another line
        cells = [_iso(rng), level, message, *(escape(fmt, tset, value) for value in fields.values())]
        return ",".join(f'"{cell}"' if set(cell) & set(',"\n') else cell for cell in cells)
    if fmt == "sql":  # a statement log: the columns come first, the values after
        columns = ", ".join(fields)
        values = ", ".join(f"'{escape(fmt, tset, value)}'" for value in fields.values())
        statement = f"INSERT INTO audit_events (ts, {columns}) VALUES (now(), {values})"  # noqa: S608 - a log line, not a query
        if tset.name == "A":
            return f"{_iso(rng)} LOG:  statement: {statement}"
        return f"[{_iso(rng)}] Query\tINSERT INTO `events` ({columns}) VALUES ({values})"
    month, day, hour, minute, second, _ = _clock(rng)
    query = "&".join(f"{key}={escape(fmt, tset, value)}" for key, value in fields.items() if key != tset.client_key)
    client = fields.get(tset.client_key, "127.0.0.1")  # behind a local proxy unless the client is the value
    stamp = f"{day:02d}/{_MONTHS[month - 1]}/2026:{hour:02d}:{minute:02d}:{second:02d} +0000"
    path = f"/api/v1/{rng.choice(('users', 'orders', 'events'))}" + (f"?{query}" if query else "")
    request = f"{rng.choice(('GET', 'POST'))} {path} HTTP/1.1"
    status, size = rng.choice((200, 201, 302, 404)), rng.randint(50, 90000)
    if tset.name == "A":  # Apache combined
        return f'{client} - - [{stamp}] "{request}" {status} {size} "-" "Mozilla/5.0 (X11; Linux x86_64)"'
    return f'{client} - - [{stamp}] "{request}" {status} {size} "-" "okhttp/4.12.0" rt={rng.random():.3f} uct="0.000"'
