"""The service's metrics: Prometheus series, mirrored to OpenTelemetry when OTLP is configured."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from secure_mlops.serving.metrics import OtlpMetrics, PrometheusMetrics


def test_observations_are_mirrored_to_opentelemetry_with_the_same_names_and_labels():
    reader = InMemoryMetricReader()
    metrics = PrometheusMetrics(OtlpMetrics(MeterProvider(metric_readers=[reader]).get_meter("test")))

    metrics.observe_request("/predict", 422, 0.003)
    metrics.observe_labels(["benign", "benign"])
    metrics.set_drift("mean_radius", 0.31)

    points = {m.name: [dict(p.attributes) for p in m.data.data_points]
              for rm in reader.get_metrics_data().resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    assert points["secure_mlops_http_requests"] == [{"route": "/predict", "status": "422"}]
    assert points["secure_mlops_http_request_duration_seconds"] == [{"route": "/predict"}]
    assert points["secure_mlops_predictions"] == [{"label": "benign"}]
    assert points["secure_mlops_feature_drift_psi"] == [{"feature": "mean_radius"}]
    text, _ = metrics.render()
    assert b'secure_mlops_http_requests_total{route="/predict",status="422"} 1.0' in text
