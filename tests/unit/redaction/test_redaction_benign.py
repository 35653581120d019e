"""What a redactor must leave alone, or logs stop being useful."""

from __future__ import annotations

import pytest

from secure_mlops.redaction import redact


@pytest.mark.parametrize(
    "timestamp",
    [
        "2026-03-14T12:03:55Z",
        "2026-03-14T12:03:55.123456Z",
        "2026-03-14T12:03:55+05:30",
        "2026-03-14 12:03:55,123",
        "14/Mar/2026:12:03:55 +0000",
        "I0314 12:03:55.123456",
    ],
)
def test_iso_timestamp_is_left_alone(timestamp: str) -> None:
    line = f"{timestamp} INFO secure_mlops.training: epoch=3 done"
    assert redact(line) == line


def test_trace_and_span_ids_are_left_alone() -> None:
    line = "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7"
    assert redact(line) == line


def test_uuid_is_left_alone() -> None:
    line = "run 7c9e6679-7425-40de-944b-e07cc4f0a9b1 and 12345678-1234-5678-1234-567812345678"
    assert redact(line) == line


@pytest.mark.parametrize("version", ["1.2.3", "v0.17.12", "2.17.0rc1", "10.20.30"])
def test_version_number_is_left_alone(version: str) -> None:
    assert redact(f"kfp {version} installed") == f"kfp {version} installed"


@pytest.mark.parametrize(
    "metric",
    [
        "rows=1000000",
        "latency_ms=1234",
        "latency_ms=12.5",
        "bytes=52428800",
        "duration=1.234s",
        "took 1234ms",
        "accuracy=0.9312",
        "loss: 0.2345",
        "port=8080",
        "pid=12345",
        "epoch_ms=1710417835123",
        "delta=+12.5%",
    ],
)
def test_metric_is_left_alone(metric: str) -> None:
    assert redact(f"step {metric} ok") == f"step {metric} ok"


@pytest.mark.parametrize(
    "path",
    [
        "/data/datasets/v1.2.3/part-00001.parquet",
        "s3://mlops-artifacts/runs/7c9e6679/train/model.skops",
        "C:\\Users\\build\\model.bin",
        "https://kubeflow.example.com/pipeline/#/runs/details/7c9e6679",
        "ghcr.io/acme/secure-mlops:1.2.3",
    ],
)
def test_path_or_url_without_credentials_is_left_alone(path: str) -> None:
    assert redact(f"wrote {path} done") == f"wrote {path} done"


def test_file_name_fields_of_log_records_are_left_alone() -> None:
    line = '{"filename": "train.py", "pathname": "/app/train.py", "lineno": 42, "funcName": "fit"}'
    assert redact(line) == line


@pytest.mark.parametrize(
    "digest",
    [
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "d41d8cd98f00b204e9800998ecf8427e",
    ],
)
def test_hex_digest_is_left_alone(digest: str) -> None:
    assert redact(f"digest {digest}") == f"digest {digest}"


def test_clock_times_and_durations_are_not_ipv6() -> None:
    line = "elapsed 01:02:03 at 12:03:55.123 window 00:00-06:00"
    assert redact(line) == line


def test_scientific_notation_and_timezone_offsets_are_not_phone_numbers() -> None:
    line = "lr=1.5e+10 tz +0100 offset +05:30"
    assert redact(line) == line


def test_progress_bars_and_parallel_logs_are_left_alone() -> None:
    line = "[Parallel(n_jobs=2)]: Done  40 tasks | elapsed:    1.2s 100%|##########| 23/23"
    assert redact(line) == line


def test_empty_text_is_left_alone() -> None:
    assert redact("") == ""
