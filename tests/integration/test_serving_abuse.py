"""The service under generated and hostile traffic: schemathesis against its own OpenAPI document,
personal data that must not leak into logs, spans or metrics, and a load above the rate limit."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from faker import Faker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.cli import run_cli
from tests.support.serving import Service, serving

pytestmark = pytest.mark.integration

FEATURES = ("mean_radius", "mean_texture", "mean_perimeter", "mean_area", "mean_smoothness")
RATE, BURST, BUDGET = 20, 20, 150


@pytest.fixture(scope="module")
def token(serving_release) -> str:
    return run_cli("token", "create", "--name", "fuzzer", env=serving_release[0]).stdout.strip()


@pytest.mark.control("api-guard")
def test_generated_requests_never_get_a_5xx_or_a_response_outside_the_schema(service, token):
    auth = {"Authorization": f"Bearer {token}"}
    document = requests.get(service.url + "/docs.json", headers=auth, timeout=10)
    document.raise_for_status()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(document.json()).get_all_operations()]
    api = [op for op in operations if op.path in ("/predict", "/predict_batch")]
    assert len(api) == 2

    for operation in api:
        @given(operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case) -> None:
            case.call_and_validate(base_url=service.url, headers=auth,
                                   checks=[not_a_server_error, response_schema_conformance])

        call()


_fake = Faker(["en_US", "de_DE", "fr_FR", "es_ES"])
Faker.seed(4242)
PERSONAL = [_fake.email() for _ in range(20)] + [_fake.ssn() for _ in range(10)] + \
    [_fake.phone_number() for _ in range(10)] + [_fake.iban() for _ in range(10)] + \
    [_fake.credit_card_number() for _ in range(10)] + [f"P-{_fake.random_number(digits=7, fix_len=True)}" for _ in range(10)]
# Values a leak would copy verbatim; short ones would match by chance.
SCANNED = [value for value in PERSONAL if len(value) >= 8]

payloads = st.one_of(
    # valid records carrying an identifier the service must mask
    st.fixed_dictionaries({**{f: st.floats(1, 30) for f in FEATURES[:4]}, "mean_smoothness": st.floats(0.05, 0.2),
                           "patient_id": st.sampled_from(PERSONAL)}),
    # invalid: personal data where a number belongs, or under a key the contract does not know
    st.fixed_dictionaries({"mean_radius": st.sampled_from(PERSONAL)}),
    st.dictionaries(st.sampled_from(["email", "ssn", "note", "mean_area"]), st.sampled_from(PERSONAL), min_size=1),
)


@pytest.mark.control("redaction")
def test_personal_data_in_requests_never_reaches_logs_spans_or_metrics(service, token, traces):
    sent: list[str] = []

    @given(payloads)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def send(payload: dict) -> None:
        response = requests.post(service.url + "/predict", json=payload, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 422), response.text
        sent.extend(str(v) for v in payload.values() if isinstance(v, str))

    send()
    metrics = requests.get(service.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10).text
    time.sleep(1)  # the span processor exports every 100 ms

    assert sent and traces.spans
    leaked = [v for v in set(sent) if v in SCANNED and (v in service.log_text() or v in traces.text() or v in metrics)]
    assert not leaked, f"{len(leaked)} personal values leaked"
    assert token not in service.log_text() + traces.text() + metrics


@pytest.fixture(scope="module")
def strict_service(serving_release, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    env, tag = serving_release
    env = {**env, "SECURE_MLOPS_SERVING_RATE_PER_SECOND": str(RATE), "SECURE_MLOPS_SERVING_BURST": str(BURST),
           "SECURE_MLOPS_SERVING_DAILY_BUDGET": str(BUDGET)}
    with serving(env, tmp_path_factory.mktemp("strict") / "service.log", "--bento", tag) as running:
        yield running


def _hammer(url: str, token: str, seconds: float, clients: int = 6) -> tuple[Counter, float, set[str]]:
    """Statuses of a closed-loop load of `clients` for `seconds`, its duration, and the
    Retry-After values of its 429s."""
    statuses: Counter = Counter()
    retry_after: set[str] = set()
    lock = threading.Lock()
    record = dict.fromkeys(FEATURES, 0.1)
    stop_at = time.monotonic() + seconds

    def client() -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while time.monotonic() < stop_at:
                response = session.post(url + "/predict", json=record, timeout=10)
                with lock:
                    statuses[response.status_code] += 1
                    if response.status_code == 429:
                        retry_after.add(response.headers.get("Retry-After", ""))

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.monotonic() - started, retry_after


@pytest.mark.control("api-guard")
def test_load_above_the_rate_is_held_to_it_with_429_and_no_5xx(strict_service, serving_release):
    token = run_cli("token", "create", "--name", "load", env=serving_release[0]).stdout.strip()

    statuses, elapsed, retry_after = _hammer(strict_service.url, token, seconds=3.0)

    assert not [code for code in statuses if code >= 500]
    assert statuses[429] > 0
    # The bucket starts full (BURST), then refills at RATE per second.
    assert BURST + RATE * elapsed * 0.7 <= statuses[200] <= BURST + RATE * elapsed * 1.1 + 2, statuses
    assert retry_after and all(value.isdigit() and int(value) >= 1 for value in retry_after)


@pytest.mark.control("api-guard")
def test_a_spent_daily_budget_refuses_until_midnight_utc(strict_service, serving_release):
    token = run_cli("token", "create", "--name", "budget", env=serving_release[0]).stdout.strip()
    record = dict.fromkeys(FEATURES, 0.1)
    answered = 0
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for _ in range(BUDGET + 10):
            response = session.post(strict_service.url + "/predict", json=record, timeout=10)
            if response.status_code == 429 and "budget" in response.json()["error"]:
                break
            answered += response.status_code == 200
            time.sleep(1 / RATE)

    assert answered == BUDGET
    assert 0 < int(response.headers["Retry-After"]) <= 86_400
