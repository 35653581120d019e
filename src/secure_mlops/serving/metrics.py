"""The service's Prometheus metrics (k8s/base/monitoring/prometheusrule.yaml alerts on them).

Labels are a route template, a status code, a feature name from the contract or a class label:
never a path as sent, a token, a client address or a value from a request, so no secret or
personal data can become a label and no caller can blow up the number of series.

BentoML's own HTTP metrics are switched off for the service: they label requests by the raw
path, so `GET /jane@example.org` would have become a series. BentoML runs each worker in its
own process and sets PROMETHEUS_MULTIPROC_DIR only once the worker starts, so the metric objects
are created on first use, and `/metrics` merges every worker's files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from types import ModuleType

    from opentelemetry.metrics import Meter
    from prometheus_client import Counter, Gauge, Histogram

REQUESTS = "secure_mlops_http_requests"
DURATION = "secure_mlops_http_request_duration_seconds"
DRIFT = "secure_mlops_feature_drift_psi"
PREDICTIONS = "secure_mlops_predictions"


class ServiceMetrics(Protocol):
    def observe_request(self, route: str, status: int, seconds: float) -> None: ...

    def observe_labels(self, labels: Sequence[str]) -> None: ...

    def set_drift(self, feature: str, psi: float) -> None: ...

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type."""
        ...


class OtlpMetrics:
    """The same observations as OpenTelemetry instruments, for an OTLP collector."""

    def __init__(self, meter: Meter) -> None:
        self._requests = meter.create_counter(REQUESTS, description="HTTP requests by route and status.")
        self._duration = meter.create_histogram(DURATION, unit="s", description="Time to answer, by route.")
        self._drift = meter.create_gauge(DRIFT, description="PSI of recent inputs against the training profile.")
        self._predictions = meter.create_counter(PREDICTIONS, description="Predictions by label.")

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self._requests.add(1, {"route": route, "status": str(status)})
        self._duration.record(seconds, {"route": route})

    def observe_labels(self, labels: Sequence[str]) -> None:
        for label in labels:
            self._predictions.add(1, {"label": label})

    def set_drift(self, feature: str, psi: float) -> None:
        self._drift.set(psi, {"feature": feature})


class PrometheusMetrics:
    """`ServiceMetrics` in prometheus_client, multiprocess-aware; each observation is also sent to
    `otlp` when an OTLP collector is configured."""

    def __init__(self, otlp: OtlpMetrics | None = None) -> None:
        self._otlp = otlp

    @cached_property
    def _client(self) -> ModuleType:
        import prometheus_client  # deferred: must see the worker's PROMETHEUS_MULTIPROC_DIR

        return prometheus_client

    @cached_property
    def _requests(self) -> Counter:
        return self._client.Counter(REQUESTS, "HTTP requests by route template and status code.",
                                    ["route", "status"])

    @cached_property
    def _duration(self) -> Histogram:
        return self._client.Histogram(DURATION, "Time to answer an HTTP request, by route template.",
                                      ["route"])

    @cached_property
    def _drift(self) -> Gauge:
        return self._client.Gauge(DRIFT, "Population stability index of recent inputs against the "
                                  "training profile, per feature.", ["feature"], multiprocess_mode="livemax")

    @cached_property
    def _predictions(self) -> Counter:
        return self._client.Counter(PREDICTIONS, "Predictions by predicted label.", ["label"])

    def observe_request(self, route: str, status: int, seconds: float) -> None:
        self._requests.labels(route=route, status=str(status)).inc()
        self._duration.labels(route=route).observe(seconds)
        if self._otlp is not None:
            self._otlp.observe_request(route, status, seconds)

    def observe_labels(self, labels: Sequence[str]) -> None:
        for label in labels:
            self._predictions.labels(label=label).inc()
        if self._otlp is not None:
            self._otlp.observe_labels(labels)

    def set_drift(self, feature: str, psi: float) -> None:
        self._drift.labels(feature=feature).set(psi)
        if self._otlp is not None:
            self._otlp.set_drift(feature, psi)

    def render(self) -> tuple[bytes, str]:
        client = self._client
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = client.CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        else:
            registry = client.REGISTRY
        return client.generate_latest(registry), client.CONTENT_TYPE_LATEST
