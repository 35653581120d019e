"""Eleven log layouts, none of them plain, logfmt, JSON lines, common access, Python logging or syslog.

Each renderer lays an Event out and escapes every piece the way that layout does (JSON, SQL and
YAML quoting, URL encoding, Python str/bytes repr, CSV), so labels stay exact substrings.
Two layouts are multi-line records by nature: Java stack traces and Helm values dumps.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from tests.support.redaction_holdout.events import Event, Field
from tests.support.redaction_holdout.segments import Value, escape, join, joined, plain, text_of

Tree = dict[str, Any]  # leaves are Values
Renderer = Callable[[Event, random.Random, dt.datetime], Value]


# --- escapes -----------------------------------------------------------------------------------


def json_escape(text: str, ascii_only: bool = False) -> str:
    return json.dumps(text, ensure_ascii=ascii_only)[1:-1]


def sql_escape(text: str) -> str:
    return text.replace("'", "''")


def yaml_single(text: str) -> str:
    return text.replace("'", "''")


def csv_escape(text: str) -> str:
    return text.replace('"', '""')


def url_escape(text: str) -> str:
    return quote_plus(text, safe="")


def repr_quote(text: str) -> str:
    """The quote Python's repr picks for a str or bytes with this content."""
    return '"' if "'" in text and '"' not in text else "'"


def pyrepr_escaper(quote: str) -> Callable[[str], str]:
    specials = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", quote: "\\" + quote}
    return lambda text: "".join(specials.get(char, char) for char in text)


def bytes_escaper(quote: str) -> Callable[[str], str]:
    specials = {0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", ord(quote): "\\" + quote}

    def escape_bytes(text: str) -> str:
        out = []
        for byte in text.encode():
            out.append(specials.get(byte) or (chr(byte) if 32 <= byte < 127 else f"\\x{byte:02x}"))
        return "".join(out)

    return escape_bytes


def quoted_repr(value: Value) -> Value:
    quote = repr_quote(text_of(value))
    return join(quote, escape(value, pyrepr_escaper(quote)), quote)


# --- structure helpers -------------------------------------------------------------------------


def tree(fields: list[Field], rng: random.Random, nest_probability: float = 0.7) -> Tree:
    """Fields as a nested mapping: dotted keys nest (sometimes kept flat, as ECS allows)."""
    root: Tree = {}
    for item in fields:
        parts = item.key.split(".") if rng.random() < nest_probability else [item.key]
        node = root
        for part in parts[:-1]:
            if part in node and not isinstance(node[part], dict):
                part += "_"  # a value already sits under this name: keep both
            node = node.setdefault(part, {})
        leaf = parts[-1]
        while leaf in node:  # never drop a value whose key repeats
            leaf += "_"
        node[leaf] = item.value
    return root


def _with_extras(event: Event, rng: random.Random, headers_key: tuple[str, ...], client_key: tuple[str, ...]) -> list[Field]:
    fields = list(event.fields)
    fields += [Field(".".join((*headers_key, header.key)), header.value) for header in event.headers]
    if event.client is not None and rng.random() < 0.6:
        fields.append(Field(".".join(client_key), event.client))
    return fields


def json_value(node: Any, ascii_only: bool = False, separators: tuple[str, str] = (", ", ": ")) -> Value:
    if isinstance(node, dict):
        items = [
            join(json.dumps(key, ensure_ascii=ascii_only) + separators[1], json_value(child, ascii_only, separators))
            for key, child in node.items()
        ]
        return join("{", joined(items, separators[0]), "}")
    if isinstance(node, tuple):
        return join('"', escape(node, lambda text: json_escape(text, ascii_only)), '"')
    return plain(json.dumps(node))


def repr_value(node: Any) -> Value:
    if isinstance(node, dict):
        items = [join(repr(key) + ": ", repr_value(child)) for key, child in node.items()]
        return join("{", joined(items, ", "), "}")
    if isinstance(node, tuple):
        return quoted_repr(node)
    return plain(repr(node))


def camel(key: str) -> str:
    parts = re.split(r"[._\-\s]+", key)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def snake(key: str) -> str:
    key = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key)
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


# --- renderers ---------------------------------------------------------------------------------

UA = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "okhttp/4.12.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "python-requests/2.32.3",
)
PATHS = {
    "crm": ("/api/v2/customers", "/checkout/confirm", "/account/profile", "/search"),
    "platform": ("/internal/hooks/deploy", "/v1/jobs", "/api/config/reload", "/healthz"),
}


def access(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """nginx combined log, plus the "$http_authorization" / "$http_cookie" columns some configs add."""
    params: list[Value] = [join(url_escape(item.key) + "=", escape(item.value, url_escape)) for item in event.fields]
    if event.message:
        params.insert(0, join(rng.choice(("q", "note", "comment", "msg")) + "=", escape(event.message, url_escape)))
    query = joined(params, "&")
    client = event.client if event.client is not None else plain("unix:")
    method = "POST" if event.fields and rng.random() < 0.3 else "GET"
    out = join(
        client,
        f' - - [{moment.strftime("%d/%b/%Y:%H:%M:%S +0100")}] "{method} {rng.choice(PATHS[event.topic])}?',
        query,
        f' HTTP/1.1" {rng.choice((200, 200, 201, 302, 400, 401, 500))} {rng.randrange(120, 90000)} '
        f'"{rng.choice(("-", "https://shop.kassa.example/cart"))}" "{rng.choice(UA)}"',
    )
    for header in event.headers:
        out = join(out, ' "', escape(header.value, lambda text: text.replace('"', "\\x22")), '"')
    return out


def klog(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """Kubernetes klog structured line: I1205 11:28:45.123456  4711 file.go:42] "msg" key="value"."""
    letter = {"INFO": "I", "DEBUG": "I", "WARN": "W", "ERROR": "E"}[event.level]
    source = f"{rng.choice(('controller.go', 'reconciler.go', 'handler.go'))}:{rng.randrange(20, 900)}"
    head = f"{letter}{moment.strftime('%m%d %H:%M:%S.%f')} {rng.randrange(1, 99999):>7} {source}] "
    pairs = [
        join(f' {item.key}="', escape(item.value, json_escape), '"')
        for item in _with_extras(event, rng, ("headers",), ("remoteAddr",))
    ]
    return join(head, '"', escape(event.message, json_escape), '"', *pairs)


def ecs_json(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """Elastic Common Schema document, fields nested two or three levels or dotted."""
    doc: Tree = {
        "@timestamp": plain(moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
        "log.level": plain(event.level.lower()),
        "message": event.message,
        "service": {"name": plain(f"{event.topic}-api"), "version": plain("3.14.2")},
        "event": {"dataset": plain(f"{event.topic}.app")},
    }
    doc.update(tree(_with_extras(event, rng, ("http", "request", "headers"), ("client", "ip")), rng))
    return json_value(doc, separators=rng.choice(((",", ":"), (", ", ": "))))


def gelf(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """GELF 1.1 message: flat, additional fields prefixed with an underscore."""
    doc: Tree = {
        "version": plain("1.1"),
        "host": plain(f"{event.topic}-worker-{rng.randrange(1, 9)}"),
        "short_message": event.message,
        "timestamp": round(moment.timestamp(), 3),
        "level": {"DEBUG": 7, "INFO": 6, "WARN": 4, "ERROR": 3}[event.level],
    }
    for item in _with_extras(event, rng, ("http_header",), ("remote_addr",)):
        doc["_" + re.sub(r"[^\w]", "_", item.key)] = item.value
    return json_value(doc, separators=(",", ":"))


def _lombok(name: str, node: Tree) -> Value:
    items = [join(f"{key}=", _lombok(camel(key), child) if isinstance(child, dict) else child) for key, child in node.items()]
    return join(f"{name}(", joined(items, ", "), ")")


def java_exception(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """Spring Boot error line with the exception and its stack trace (a multi-line record)."""
    pkg = rng.choice(("com.kassa.crm", "eu.nordpay.billing", "io.acme.platform"))
    service = rng.choice(("CustomerService", "PaymentGateway", "ProfileSyncJob"))
    head = (
        f"{moment.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}  ERROR {rng.randrange(1, 9)} --- [nio-8080-exec-{rng.randrange(1, 10)}] "
        f"{pkg[0]}.{pkg.split('.')[1][0]}.{pkg.split('.')[-1]}.{service} : "
    )
    fields = _with_extras(event, rng, ("headers",), ("remoteAddr",))
    detail = (
        _lombok(rng.choice(("CustomerDto", "Request", "Profile", "Settings")), tree(fields, rng, 1.0))
        if fields
        else plain("no payload")
    )
    exception = rng.choice(
        (
            "java.lang.IllegalStateException",
            "org.springframework.dao.DataIntegrityViolationException",
            f"{pkg}.ValidationException",
        )
    )
    frames = "".join(
        f"\n\tat {pkg}.{service}.{method}({service}.java:{rng.randrange(30, 400)})" for method in ("validate", "apply", "handle")
    )
    frames += "\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)"
    frames += "\n\t... 42 common frames omitted"
    return join(head, event.message, f"\n{exception}: Rejected ", detail, frames)


def _yaml_lines(node: Tree, indent: int) -> list[Value]:
    lines: list[Value] = []
    for key, child in node.items():
        pad = " " * indent
        if isinstance(child, dict):
            lines.append(plain(f"{pad}{key}:"))
            lines += _yaml_lines(child, indent + 2)
        else:
            lines.append(join(f"{pad}{key}: '", escape(child, yaml_single), "'"))
    return lines


def helm_yaml(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """`helm get values --all` dump as a deploy job logs it (a multi-line record)."""
    fields = _with_extras(event, rng, ("ingress", "headers"), ("debug", "clientAddress"))
    values: Tree = {"note": event.message} if rng.random() < 0.5 or not fields else {}
    values.update(tree(fields, rng, 0.9))
    release = rng.choice(("crm-api", "feature-store", "inference"))
    header = plain(f"{moment.isoformat(timespec='seconds')} helm get values {release} -n ml --all\nUSER-SUPPLIED VALUES:")
    return joined([header, *_yaml_lines(values, 0)], "\n")


def csv_audit(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """A row of an audit export (RFC 4180 quoting): time, actor, action, resource, values..., message."""
    cells: list[Value] = [
        plain(moment.strftime("%Y-%m-%dT%H:%M:%SZ")),
        plain(rng.choice(("svc-crm-sync", "batch-export", "ops-console"))),
        plain(rng.choice(("UPDATE", "CREATE", "EXPORT", "LOGIN"))),
        plain(f"{event.topic}/{rng.randrange(1000, 99999)}"),
    ]
    cells += [item.value for item in _with_extras(event, rng, ("h",), ("ip",))]
    cells.append(event.message)
    rendered = []
    for cell in cells:
        raw = text_of(cell)
        if any(char in raw for char in ',"\n') or raw != raw.strip():
            rendered.append(join('"', escape(cell, csv_escape), '"'))
        else:
            rendered.append(cell)
    return joined(rendered, ",")


def http_dump(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """What http.client prints at debuglevel 1: the request as a bytes repr (non-ASCII as \\x escapes)."""
    carries_message = any(seg.family for seg in event.message)
    method, path = ("POST" if event.fields or rng.random() < 0.5 else "GET"), rng.choice(PATHS[event.topic])
    request = plain(f"POST {path} HTTP/1.1")
    if method == "GET":  # the message travels in the query string
        request = join(f"GET {path}?note=", escape(event.message, url_escape), " HTTP/1.1")
    lines: list[Value] = [
        request,
        plain("Host: api.kassa.example"),
        plain(f"User-Agent: {rng.choice(UA)}"),
        plain("Accept: */*"),
    ]
    lines += [join(f"{header.key}: ", header.value) for header in event.headers]
    if event.client is not None and rng.random() < 0.5:
        lines.append(join("X-Forwarded-For: ", event.client))
    body: Tree = {}
    if method == "POST":
        body = {"note": event.message} if carries_message or not event.fields or rng.random() < 0.5 else {}
        body.update(tree(event.fields, rng))
    payload = json_value(body, ascii_only=True) if body else plain("")
    if body:
        lines += [plain("Content-Type: application/json"), plain(f"Content-Length: {len(text_of(payload).encode())}")]
    raw = join(joined(lines, "\r\n"), "\r\n\r\n", payload)
    quote = repr_quote(text_of(raw))
    return join("send: b", quote, escape(raw, bytes_escaper(quote)), quote)


def sql_log(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """PostgreSQL log_statement=all line with the values as SQL literals."""
    head = (
        f"{moment.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC [{rng.randrange(1000, 65000)}] app@{event.topic} LOG:  statement: "
    )
    fields = _with_extras(event, rng, ("hdr",), ("client", "ip"))
    literal = lambda value: join("'", escape(value, sql_escape), "'")  # noqa: E731 - one-line helper
    if not fields:
        return join(
            head,
            f"INSERT INTO audit_notes (ticket_id, body) VALUES ({rng.randrange(1000, 99999)}, ",  # noqa: S608 - a log line
            literal(event.message),
            ")",
        )
    columns = [snake(item.key) for item in fields]
    if rng.random() < 0.5:
        values = joined([literal(item.value) for item in fields], ", ")
        return join(
            head,
            f"INSERT INTO {event.topic}_events ({', '.join(columns)}, note) VALUES (",  # noqa: S608 - a log line, not a query
            values,
            ", ",
            literal(event.message),
            ")",
        )
    sets = joined([join(f"{column} = ", literal(item.value)) for column, item in zip(columns, fields, strict=True)], ", ")
    return join(head, f"UPDATE {event.topic}_accounts SET ", sets, f" WHERE id = {rng.randrange(1, 10**6)}")  # noqa: S608


def _go_value(node: Any) -> Value:
    if isinstance(node, dict):
        return join("{", joined([join(f"{camel(key)}:", _go_value(child)) for key, child in node.items()], " "), "}")
    return node


def go_struct(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """Go log.Printf("%s: %+v", msg, &req): struct fields unquoted, headers as map[Key:[value]]."""
    head = (
        f"{moment.strftime('%Y/%m/%d %H:%M:%S')} {rng.choice(('sync.go', 'handler.go', 'worker.go'))}:{rng.randrange(20, 400)}: "
    )
    parts: list[Value] = []
    node = tree(event.fields, rng)
    if node:
        parts.append(joined([join(f"{camel(key)}:", _go_value(child)) for key, child in node.items()], " "))
    if event.headers:
        parts.append(join("Header:map[", joined([join(f"{h.key}:[", h.value, "]") for h in event.headers], " "), "]"))
    if event.client is not None and rng.random() < 0.6:
        bracketed = ":" in text_of(event.client)
        parts.append(
            join(
                "RemoteAddr:", "[" if bracketed else "", event.client, "]" if bracketed else "", f":{rng.randrange(30000, 65000)}"
            )
        )
    if not parts:
        return join(head, event.message)
    return join(head, event.message, ": &{", joined(parts, " "), "}")


def celery_repr(event: Event, rng: random.Random, moment: dt.datetime) -> Value:
    """Celery worker line with the task's kwargs as a Python dict repr."""
    level = event.level.replace("WARN", "WARNING")
    head = f"[{moment.strftime('%Y-%m-%d %H:%M:%S,%f')[:-3]}: {level}/ForkPoolWorker-{rng.randrange(1, 9)}] "
    task = f"{event.topic}.tasks.{rng.choice(('sync_profile', 'send_notification', 'refresh_credentials'))}"
    fields = _with_extras(event, rng, ("headers",), ("client_ip",))
    if not fields:
        return join(head, f"{task}: ", event.message)
    kwargs = repr_value(tree(fields, rng))
    return join(head, f"Task {task}[{rng.getrandbits(128):032x}] received: ", event.message, " kwargs=", kwargs)


FORMATS: dict[str, Renderer] = {
    "nginx_combined": access,
    "klog": klog,
    "ecs_json": ecs_json,
    "gelf": gelf,
    "java_exception": java_exception,
    "helm_yaml": helm_yaml,
    "csv_audit": csv_audit,
    "http_dump": http_dump,
    "sql_log": sql_log,
    "go_struct": go_struct,
    "celery_repr": celery_repr,
}
