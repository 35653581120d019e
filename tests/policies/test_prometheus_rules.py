"""The inference alerts (k8s/base/monitoring/prometheusrule.yaml) under the real promtool: the
rules load, and each alert fires on the input series of its firing case and stays quiet on its
quiet case (k8s/base/monitoring/tests/prometheusrule.test.yaml). Also: the rules use only the
metrics the service exports, and a real Prometheus scrapes those names as the rules query them.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.k8s import NAMESPACE
from tests.support.paths import K8S
from tests.support.prometheus import SERVICE_METRICS, metric_family, start_prometheus, wait_for
from tests.support.servers import QuietHandler, Server, http_stand_in
from tests.support.tools import prometheus_tool

MONITORING = K8S / "base" / "monitoring"
RULE = MONITORING / "prometheusrule.yaml"
RULE_TESTS = MONITORING / "tests" / "prometheusrule.test.yaml"
CASES = {case["name"]: case for case in yaml.safe_load(RULE_TESTS.read_text())["tests"]}
METRIC_NAME = re.compile(r"(?<![\w:])secure_mlops_\w+")

# What the service's /metrics answers, trimmed to one series each.
EXPOSITION = b"""\
# HELP secure_mlops_http_requests_total HTTP requests by route and status.
# TYPE secure_mlops_http_requests_total counter
secure_mlops_http_requests_total{route="/predict",status="200"} 3.0
# HELP secure_mlops_http_request_duration_seconds HTTP request duration by route.
# TYPE secure_mlops_http_request_duration_seconds histogram
secure_mlops_http_request_duration_seconds_bucket{route="/predict",le="0.1"} 3.0
secure_mlops_http_request_duration_seconds_bucket{route="/predict",le="+Inf"} 3.0
secure_mlops_http_request_duration_seconds_sum{route="/predict"} 0.12
secure_mlops_http_request_duration_seconds_count{route="/predict"} 3.0
# HELP secure_mlops_feature_drift_psi PSI of an input feature, recent requests vs training.
# TYPE secure_mlops_feature_drift_psi gauge
secure_mlops_feature_drift_psi{feature="age"} 0.05
# HELP secure_mlops_predictions_total Predictions by label.
# TYPE secure_mlops_predictions_total counter
secure_mlops_predictions_total{label="low"} 3.0
"""


def alert_rules() -> list[dict[str, Any]]:
    spec = yaml.safe_load(RULE.read_text())["spec"]
    return [rule for group in spec["groups"] for rule in group["rules"]]


@pytest.fixture(scope="module")
def rules_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PrometheusRule's `spec` (its `groups:`) as the plain rules file promtool reads."""
    path = tmp_path_factory.mktemp("rules") / "prometheusrule.rules.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(RULE.read_text())["spec"]))
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([prometheus_tool("promtool"), *args], capture_output=True, text=True,
                          timeout=60, check=False)


def test_promtool_accepts_the_rules(rules_file):
    done = promtool("check", "rules", str(rules_file))

    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_firing_and_a_quiet_case():
    fires, quiet = set(), set()
    for case in CASES.values():
        for check in case["alert_rule_test"]:
            (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    alerts = {rule["alert"] for rule in alert_rules()}

    assert fires == alerts and quiet == alerts


# One promtool run per case (named in the test id), so a failure names its case.
@pytest.mark.parametrize("name", CASES, ids=lambda name: name.replace(" ", "_"))
@pytest.mark.control("api-guard")
def test_alert_rule_case(name, rules_file, tmp_path):
    single = {**yaml.safe_load(RULE_TESTS.read_text()), "rule_files": [str(rules_file)], "tests": [CASES[name]]}
    path = tmp_path / "case.test.yaml"
    path.write_text(yaml.safe_dump(single))

    done = promtool("test", "rules", str(path))

    assert done.returncode == 0, done.stdout + done.stderr


def test_every_metric_the_alerts_use_is_a_service_metric():
    used = {metric_family(name) for rule in alert_rules() for name in METRIC_NAME.findall(rule["expr"])}

    assert used, "no secure_mlops_ metric found in the rules"
    assert used <= set(SERVICE_METRICS)


class _Metrics(QuietHandler):
    def do_GET(self) -> None:
        self.reply("text/plain; version=0.0.4; charset=utf-8", EXPOSITION)


@pytest.fixture()
def metrics_target() -> Iterator[str]:
    """A stand-in for the service's /metrics on a free loopback port: host:port."""
    with http_stand_in(_Metrics) as httpd:
        yield f"127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture()
def prometheus(metrics_target: str, tmp_path: Path) -> Iterator[Server]:
    try:
        server = start_prometheus(tmp_path, metrics_target)
    except RuntimeError as exc:
        pytest.fail(f"could not start prometheus: {exc}", pytrace=False)
    yield server
    server.stop()


def test_prometheus_scrapes_every_service_metric_with_the_namespace_label(prometheus):
    found = wait_for(prometheus, f'count by (__name__) ({{__name__=~"secure_mlops_.+", namespace="{NAMESPACE}"}})')

    assert {metric_family(sample["metric"]["__name__"]) for sample in found} == set(SERVICE_METRICS)
