"""The inference service's metrics, and a real Prometheus (from `make tools`) to scrape them.

SERVICE_METRICS is the one list of metric names that the alert rules may use and a live scrape of
the service must show. Each is named as PromQL names its series, except a histogram: it is listed
under its family name, and its series `<name>_bucket`, `<name>_sum` and `<name>_count` map back to
that name (`metric_family`). A live scrape may hold more names than these (prometheus_client's
`_created` series, process metrics): check that it holds these, not only these.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.support.k8s import NAMESPACE  # the label the ServiceMonitor adds, and the alert rules select on
from tests.support.servers import Server, _start, free_port
from tests.support.tools import prometheus_tool

SERVICE_METRICS = (
    "secure_mlops_http_requests_total",  # counter {route, status}
    "secure_mlops_http_request_duration_seconds",  # histogram {route}
    "secure_mlops_feature_drift_psi",  # gauge {feature}
    "secure_mlops_predictions_total",  # counter {label}
)
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def metric_family(series_name: str) -> str:
    """The SERVICE_METRICS name a series belongs to: a histogram's series lose their suffix."""
    for suffix in HISTOGRAM_SUFFIXES:
        stem = series_name.removesuffix(suffix)
        if stem != series_name and stem in SERVICE_METRICS:
            return stem
    return series_name


def start_prometheus(workdir: Path, target: str, *, scrape_interval: str = "1s",
                     bearer_token: str | None = None) -> Server:
    """The real `prometheus` on a free loopback port, scraping `target` (host:port) the way the
    ServiceMonitor does: /metrics, with namespace="secure-mlops" on every series, and with a
    bearer token when given (the service wants one on /metrics). Stop it with .stop()."""
    job: dict[str, Any] = {
        "job_name": "inference",
        "metrics_path": "/metrics",
        "static_configs": [{"targets": [target], "labels": {"namespace": NAMESPACE}}],
    }
    if bearer_token:
        job["authorization"] = {"type": "Bearer", "credentials": bearer_token}
    config = {
        # The timeout may not exceed the interval, and the default (10 s) does for short ones.
        "global": {"scrape_interval": scrape_interval, "scrape_timeout": scrape_interval},
        "scrape_configs": [job],
    }
    config_file = workdir / "prometheus.yml"
    config_file.write_text(yaml.safe_dump(config))
    port = free_port()
    return _start(
        "prometheus",
        [prometheus_tool("prometheus"), f"--config.file={config_file}",
         f"--storage.tsdb.path={workdir / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
        f"http://127.0.0.1:{port}",
        "/-/ready",
        workdir / f"prometheus-{port}.log",
    )


def query(server: Server, promql: str) -> list[dict[str, Any]]:
    """An instant query through the HTTP API: the result vector's samples ({metric, value})."""
    response = requests.get(f"{server.url}/api/v1/query", params={"query": promql}, timeout=10)
    response.raise_for_status()
    data = response.json()["data"]
    assert data["resultType"] == "vector", f"{promql!r} gives a {data['resultType']}, not a vector"
    return data["result"]


def wait_for(server: Server, promql: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """`query` until it gives something: the first scrapes come a moment after start-up."""
    deadline = time.monotonic() + timeout
    while not (result := query(server, promql)):
        if time.monotonic() > deadline:
            raise AssertionError(f"{promql!r} still empty after {timeout:g} s:\n{server.log_tail()}")
        time.sleep(0.2)
    return result
