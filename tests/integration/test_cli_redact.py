"""`secure-mlops redact` as a user runs it: a pipe in, a pipe out."""

from __future__ import annotations

import subprocess

from tests.support.cli import run_cli
from tests.support.paths import PATIENTS


def redact(text: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_cli("redact", *args, stdin=text, timeout=60)


def test_redact_filters_a_log_stream_line_by_line() -> None:
    log = (
        b"2026-11-22T10:00:00Z INFO login user=jane@example.com from 10.1.2.3\n"
        b"2026-11-22T10:00:01Z INFO rows=1000 latency_ms=12.5 version=1.4.39\n"
    )
    result = redact(log)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "jane@example.com" not in out and "10.1.2.3" not in out
    assert "[REDACTED:email]" in out
    assert out.splitlines()[1] == log.decode().splitlines()[1]


def test_contract_identifier_columns_are_redacted_as_keys() -> None:
    result = redact(b'{"patient_id": "P-0001", "sex": "F", "mean_radius": 12.5}\n', "--contract", str(PATIENTS))
    assert result.returncode == 0, result.stderr
    assert b"P-0001" not in result.stdout and b"12.5" in result.stdout


def test_undecodable_bytes_do_not_stop_the_stream() -> None:
    result = redact(b"\xff\xfe bad bytes ssn=123-45-6789\nnext line\n")
    assert result.returncode == 0
    assert b"123-45-6789" not in result.stdout and b"next line" in result.stdout


def test_private_key_body_lines_are_dropped() -> None:
    body = b"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"
    pem = b"-----BEGIN PRIVATE KEY-----\n" + body + b"\n-----END PRIVATE KEY-----\nafter\n"
    result = redact(pem)
    assert result.returncode == 0
    assert body not in result.stdout and b"after" in result.stdout
