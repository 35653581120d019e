"""The service's front door, as ASGI middleware: every request passes here before BentoML.

In order: authentication (bearer token, compared with stored hashes), body size (413, for a
declared length and for a chunked body alike), rate and daily budget per token (429 with
Retry-After), then for the API routes a JSON body (415) that fits the contract's schema (422
naming the fields, never their values). Only then does BentoML see the request, with the body
replayed. `/livez` and `/readyz` are open (probes carry no token); everything else, `/metrics`
and the OpenAPI document included, needs a token.

Each request is counted by route template and status and timed, and logged as one access line
without its path or query as sent, its body or its token.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from secure_mlops.serving.metrics import ServiceMetrics
from secure_mlops.serving.ratelimit import RateLimiter
from secure_mlops.serving.tokens import TokenStore

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

OPEN_ROUTES = frozenset({"/livez", "/readyz"})
METRICS_ROUTE = "/metrics"
# BentoML's own pages; anything else is counted as "other" so a path cannot become a label.
KNOWN_ROUTES = OPEN_ROUTES | {METRICS_ROUTE, "/", "/docs.json", "/healthz", "/schema.json"}
REALM = 'Bearer realm="secure-mlops"'
MAX_REPORTED_ERRORS = 20

access_log = logging.getLogger("secure_mlops.serving.access")


class RequestGuard:
    """ASGI middleware; BentoML builds it with `Service.add_asgi_middleware(RequestGuard, ...)`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenStore,
        limiter: RateLimiter,
        max_body_bytes: int,
        schemas: Mapping[str, type[BaseModel]],
        metrics: ServiceMetrics,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.limiter = limiter
        self.max_body_bytes = max_body_bytes
        self.schemas = dict(schemas)
        self.metrics = metrics
        self.routes = KNOWN_ROUTES | set(self.schemas)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        route = scope["path"] if scope["path"] in self.routes else "other"
        status = 500
        client = "-"

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            client = await self._handle(scope, receive, recording_send, route)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe_request(route, status, seconds)
            access_log.info("%s %s %d %.1fms client=%s", scope["method"], route, status,
                            seconds * 1000, client)

    async def _handle(self, scope: Scope, receive: Receive, send: Send, route: str) -> str:
        """Answer or pass on the request; returns the caller's token name ('-' if none)."""
        if route in OPEN_ROUTES:
            await self.app(scope, receive, send)
            return "-"
        headers = _headers(scope)
        name = self.tokens.authenticate(_bearer(headers.get("authorization", "")))
        if name is None:
            await _answer(send, 401, "a valid bearer token is required",
                          [("www-authenticate", f'{REALM}, error="invalid_token"')])
            return "-"
        body = await self._read_body(headers, receive)
        if body is None:
            await _answer(send, 413, f"the request body is larger than {self.max_body_bytes} bytes")
            return name
        decision = self.limiter.admit(name)
        if not decision.allowed:
            what = "daily query budget spent" if decision.reason == "budget" else "too many requests"
            await _answer(send, 429, f"{what}; retry after {decision.retry_after} s",
                          [("retry-after", str(decision.retry_after))])
            return name
        if route == METRICS_ROUTE:
            text, content_type = self.metrics.render()
            await _send(send, 200, text, content_type)
            return name
        schema = self.schemas.get(route)
        if schema is not None and scope["method"] == "POST" and not await self._fits(schema, headers, body, send):
            return name
        await self.app(scope, _replay(body, receive), send)
        return name

    async def _read_body(self, headers: Mapping[str, str], receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it is over the limit (declared or streamed)."""
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _fits(self, schema: type[BaseModel], headers: Mapping[str, str], body: bytes, send: Send) -> bool:
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            await _answer(send, 415, "the body must be JSON, sent as Content-Type: application/json")
            return False
        try:
            data = json.loads(body)
        except ValueError:  # bad UTF-8 too
            await _answer(send, 415, "the body is not valid JSON")
            return False
        try:
            schema.model_validate(data)
        except ValidationError as exc:
            await _answer(send, 422, "the request does not fit the model's input schema",
                          detail=_problems(exc))
            return False
        return True


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    # Location and rule only: `hide_input_in_errors` keeps values out of the messages, and the
    # input itself is never copied here.
    return [{"field": ".".join(str(part) for part in error["loc"]) or "body", "problem": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)[:MAX_REPORTED_ERRORS]]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _bearer(header: str) -> str:
    scheme, _, credentials = header.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body, only a disconnect can come

    return replay


async def _answer(send: Send, status: int, error: str, headers: Sequence[tuple[str, str]] = (),
                  detail: list[dict[str, str]] | None = None) -> None:
    payload: dict[str, Any] = {"error": error}
    if detail is not None:
        payload["detail"] = detail
    await _send(send, status, json.dumps(payload).encode(), "application/json", headers)


async def _send(send: Send, status: int, body: bytes, content_type: str,
                headers: Sequence[tuple[str, str]] = ()) -> None:
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
