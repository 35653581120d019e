"""`secure-mlops redact` as a user runs it: a pipe in, a pipe out."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.cli import run_cli
from tests.support.paths import PATIENTS


def redact(text: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return run_cli("redact", *args, stdin=text, timeout=60)


def redacted(text: bytes, *args: str) -> str:
    """What `secure-mlops redact` prints for `text`; it must succeed."""
    result = redact(text, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.decode()


@pytest.mark.control("redaction")
def test_redact_filters_a_log_stream_line_by_line() -> None:
    log = (
        b"2026-11-22T10:00:00Z INFO login user=jane@example.com from 10.1.2.3\n"
        b"2026-11-22T10:00:01Z INFO rows=1000 latency_ms=12.5 version=1.4.39\n"
    )
    out = redacted(log)
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


def test_an_invalid_byte_inside_an_identifier_does_not_save_it() -> None:
    log = (
        b"ssn 123-4\xff5-6789 card 4111 1111 11\xc311 1111 mail ja\x80ne.doe@example.com\n"
        b"token hvs.CAESIJlU9JMYEh\xe2\x82OPYv4KMvxEYEXAMPLE s.Qf1s5zigZ4O\xfeX6akYjQXJC1jY\n"
    )
    out = redacted(log)
    for piece in ("6789", "1111", "ne.doe", "example.com", "OPYv4K", "X6akYj"):
        assert piece not in out
    assert out.count("[REDACTED:") == 5 and out.count("\n") == 2


def test_a_line_longer_than_the_window_is_redacted_and_the_stream_goes_on() -> None:
    record = b"jane.doe@example.com 123-45-6789 4111 1111 1111 1111 name=Jane ip 203.0.113.7 "
    long_line = record * (3 * 2**20 // len(record))  # 3 MiB: three windows and more
    result = redact(long_line + b"\nnext rows=10\n")
    assert result.returncode == 0, result.stderr
    first, second, rest = result.stdout.split(b"\n")
    assert b"jane.doe" not in first and b"6789" not in first and b"203.0" not in first
    assert first.count(b"[REDACTED:email]") == long_line.count(b"@example.com")
    assert second == b"next rows=10" and rest == b""
