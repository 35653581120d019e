"""The inference service over HTTP: a real `bentoml serve` (through `secure-mlops serve`) of the bento
a real pipeline run built and signed, against a real OpenBao, scraped by a real Prometheus."""

from __future__ import annotations

import json
import time

import hvac
import pytest
import requests

from secure_mlops.config import Settings
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.vault import TransitHmacService
from tests.support.cli import run_cli
from tests.support.prometheus import SERVICE_METRICS, start_prometheus, wait_for
from tests.support.serving import Service

pytestmark = pytest.mark.integration

RECORD = {"mean_radius": 14.1, "mean_texture": 19.3, "mean_perimeter": 92.0, "mean_area": 655.0,
          "mean_smoothness": 0.096}


def _token(env: dict[str, str], name: str) -> str:
    created = run_cli("token", "create", "--name", name, env=env)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


@pytest.fixture(scope="module")
def token(serving_release) -> str:
    return _token(serving_release[0], "analyst")


def _post(service: Service, token: str | None, path: str = "/predict", **kwargs) -> requests.Response:
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    return requests.post(service.url + path, headers=headers, timeout=10, **kwargs)


@pytest.mark.control("api-guard")
def test_prediction_needs_a_bearer_token_and_answers_coarsely(service, token):
    refused = _post(service, None, json=RECORD)
    answer = _post(service, token, json=RECORD)

    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"label", "score"} and answer.json()["label"] in {"malignant", "benign"}
    assert answer.json()["score"] == round(answer.json()["score"], 1)


def test_probes_are_open_and_the_openapi_document_and_metrics_are_not(service, token):
    assert requests.get(service.url + "/livez", timeout=5).status_code == 200
    assert requests.get(service.url + "/readyz", timeout=5).status_code == 200
    for path in ("/metrics", "/docs.json"):
        assert requests.get(service.url + path, timeout=5).status_code == 401
        assert requests.get(service.url + path, timeout=5, headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.control("api-guard")
def test_a_revoked_token_is_refused_without_a_restart(service, serving_release):
    env = serving_release[0]
    temporary = _token(env, "contractor")
    assert _post(service, temporary, json=RECORD).status_code == 200

    assert run_cli("token", "revoke", "contractor", env=env).returncode == 0

    assert _post(service, temporary, json=RECORD).status_code == 401


@pytest.mark.control("api-guard")
def test_oversize_bodies_are_413_whether_declared_or_chunked(service, token):
    big = json.dumps({**RECORD, "pad": "x" * 100_000}).encode()

    declared = _post(service, token, data=big, headers={"Content-Type": "application/json"})
    chunked = requests.post(service.url + "/predict", timeout=10, data=(big[i:i + 8192] for i in range(0, len(big), 8192)),
                            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})

    assert declared.status_code == 413 and chunked.status_code == 413


@pytest.mark.control("api-guard")
def test_non_json_is_415_and_a_bad_record_is_422_naming_the_field_without_its_value(service, token):
    form = _post(service, token, data="mean_radius=14", headers={"Content-Type": "application/x-www-form-urlencoded"})
    bad = _post(service, token, json={**RECORD, "mean_radius": -987.654, "ssn": "123-45-6789"})
    nan = _post(service, token, data=json.dumps({**RECORD, "mean_area": float("nan")}),
                headers={"Content-Type": "application/json"})

    assert form.status_code == 415
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["detail"]} == {"mean_radius", "ssn"}
    assert "987.654" not in bad.text and "123-45-6789" not in bad.text
    assert nan.status_code in (415, 422)


@pytest.mark.control("coarse-answers")
def test_identifier_comes_back_as_the_pipelines_pseudonym(service, token, vault_settings: Settings):
    answer = _post(service, token, json={**RECORD, "patient_id": "P-000123"})

    hmac = TransitHmacService(hvac.Client(url=vault_settings.vault_addr, token=vault_settings.vault_token.get_secret_value()),
                              key_name=vault_settings.pseudonym_key_name)
    import pyarrow as pa

    expected = Pseudonymizer(hmac).pseudonymize(pa.array(["P-000123"])).to_pylist()[0]
    assert answer.status_code == 200 and answer.json()["patient_id"] == expected
    assert "P-000123" not in service.log_text()


def test_batch_answers_each_record_and_is_bounded(service, token):
    answer = _post(service, token, "/predict_batch", json={"records": [RECORD, {**RECORD, "patient_id": "P-9"}]})
    too_many = _post(service, token, "/predict_batch", json={"records": [RECORD] * 101})

    assert answer.status_code == 200, answer.text
    first, second = answer.json()["predictions"]
    assert set(first) == {"label", "score"} and set(second) == {"label", "score", "patient_id"}
    assert too_many.status_code == 422


def test_prometheus_scrapes_every_metric_the_alert_rules_use(service, token, tmp_path):
    # Enough records for the drift window to publish (serving.drift.MIN_RECORDS).
    _post(service, token, "/predict_batch", json={"records": [RECORD] * 60})
    _post(service, None, json=RECORD)
    prometheus = start_prometheus(tmp_path, service.url.removeprefix("http://"), bearer_token=token,
                                  scrape_interval="2s")
    try:
        # Over a range: a scrape that times out on a busy machine marks the series stale for an
        # instant query, not for last_over_time.
        for metric in SERVICE_METRICS:
            name = metric if metric in ("secure_mlops_http_requests_total", "secure_mlops_predictions_total",
                                        "secure_mlops_feature_drift_psi") else f"{metric}_count"
            wait_for(prometheus, f'last_over_time({name}{{namespace="secure-mlops"}}[1m])', timeout=20)
        unauthorized = wait_for(prometheus, 'last_over_time(secure_mlops_http_requests_total{status="401", '
                                'route="/predict"}[1m])', timeout=20)
        assert float(unauthorized[0]["value"][1]) >= 1
    finally:
        prometheus.stop()


@pytest.mark.control("redaction")
def test_traces_are_exported_and_carry_no_token_query_or_identifier(service, token, traces):
    requests.post(service.url + "/predict?email=jane.doe@example.org", timeout=10, json={**RECORD, "patient_id": "P-424242"},
                  headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 10
    while not traces.spans and time.monotonic() < deadline:
        time.sleep(0.2)

    assert traces.spans, "no span reached the OTLP receiver"
    exported = traces.text()
    for secret in (token, "jane.doe@example.org", "P-424242"):
        assert secret not in exported


def test_metrics_are_exported_over_otlp_too(service, token, traces):
    _post(service, token, json=RECORD)
    deadline = time.monotonic() + 10
    while "secure_mlops_http_requests" not in traces.metrics and time.monotonic() < deadline:
        time.sleep(0.2)

    assert {"secure_mlops_http_requests", "secure_mlops_http_request_duration_seconds",
            "secure_mlops_predictions"} <= traces.metrics
