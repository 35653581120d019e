"""The guard in front of BentoML: auth, size, rate, JSON and schema, in that order, over ASGI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from secure_mlops.serving.guard import RequestGuard
from secure_mlops.serving.ratelimit import RateLimiter
from secure_mlops.serving.tokens import TokenStore
from tests.support.fakes import RecordingMetrics
from tests.support.release import VALID, serving_schema


async def echo_app(scope, receive, send) -> None:
    """Stands in for BentoML: answers with the body it received."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body or b"{}"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "tokens.json")


@pytest.fixture()
def token(store: TokenStore) -> str:
    return store.create("analyst")


@pytest.fixture()
def metrics() -> RecordingMetrics:
    return RecordingMetrics()


@pytest.fixture()
def call(store: TokenStore, metrics: RecordingMetrics) -> Iterator:
    clock = Clock()
    schema = serving_schema()
    guard = RequestGuard(echo_app, tokens=store, metrics=metrics, max_body_bytes=2048,
                         limiter=RateLimiter(2.0, 3, 100, clock=clock, wall_clock=lambda: 0.0),
                         schemas={"/predict": schema.record, "/predict_batch": schema.batch})

    def request(method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"

        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guard), base_url="http://t") as client:
                return await client.request(method, path, headers=headers, **kwargs)

        return asyncio.run(go())

    request.clock = clock  # type: ignore[attr-defined]
    yield request


@pytest.mark.control("api-guard")
def test_probes_are_open_and_everything_else_needs_a_token(call):
    assert call("GET", "/livez").status_code == 200
    assert call("GET", "/readyz").status_code == 200
    for method, path in (("GET", "/metrics"), ("GET", "/docs.json"), ("POST", "/predict"), ("GET", "/nope")):
        refused = call(method, path)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_or_malformed_token_is_refused(call, token):
    for header in ("Bearer smt_wrong", f"Basic {token}", token, "Bearer "):
        assert call("GET", "/metrics", headers={"Authorization": header}).status_code == 401


def test_a_revoked_token_is_refused_without_restart(call, token, store):
    assert call("GET", "/metrics", token).status_code == 200

    TokenStore(store.path).revoke("analyst")  # as `secure-mlops token revoke` would, from elsewhere

    assert call("GET", "/metrics", token).status_code == 401


def test_a_valid_record_reaches_the_app_with_its_body(call, token):
    answer = call("POST", "/predict", token, json=VALID)

    assert answer.status_code == 200 and answer.json() == VALID


@pytest.mark.control("api-guard")
def test_oversize_body_is_refused_by_declared_length_and_when_chunked(call, token):
    big = json.dumps({**VALID, "pad": "x" * 4000}).encode()

    declared = call("POST", "/predict", token, content=big, headers={"Content-Type": "application/json"})

    async def chunks():
        for piece in (big[:1000], big[1000:3000], big[3000:]):
            yield piece

    chunked = call("POST", "/predict", token, content=chunks(), headers={"Content-Type": "application/json"})

    assert declared.status_code == 413 and chunked.status_code == 413
    assert "x" * 10 not in chunked.text


def test_non_json_body_or_content_type_is_415(call, token):
    assert call("POST", "/predict", token, content=b"mean_radius=1",
                headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert call("POST", "/predict", token, content=b"{not json",
                headers={"Content-Type": "application/json"}).status_code == 415
    assert call("POST", "/predict", token, content=b"\xff\xfe",
                headers={"Content-Type": "application/json"}).status_code == 415


@pytest.mark.control("api-guard")
def test_schema_errors_are_422_naming_fields_never_values(call, token):
    answer = call("POST", "/predict", token, json={**VALID, "mean_radius": -987.654, "ssn": "123-45-6789"})

    assert answer.status_code == 422
    assert {p["field"] for p in answer.json()["detail"]} == {"mean_radius", "ssn"}
    assert "987.654" not in answer.text and "123-45-6789" not in answer.text


def test_rate_limit_gives_429_with_retry_after_then_recovers(call, token):
    statuses = [call("GET", "/metrics", token).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    limited = call("GET", "/metrics", token)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    call.clock.now += 1.0
    assert call("GET", "/metrics", token).status_code == 200


def test_every_request_is_counted_by_route_template_never_by_path_as_sent(call, token, metrics):
    call("GET", "/livez")
    call("POST", "/predict", token, json=VALID)
    call("GET", "/jane.doe@example.org?ssn=123-45-6789", token)

    assert metrics.requests == [("/livez", 200), ("/predict", 200), ("other", 200)]
