"""Line-by-line redaction for the `secure-mlops redact` command."""

from __future__ import annotations

import io

from secure_mlops.redaction import Redactor, redact_stream


def test_stream_redacts_each_line_and_keeps_line_endings() -> None:
    lines = ["user alice@example.com\n", "rows=10\r\n", "ssn 123-45-6789"]
    assert list(redact_stream(lines)) == [
        "user [REDACTED:email]\n",
        "rows=10\r\n",
        "ssn [REDACTED:ssn]",
    ]


def test_stream_reads_a_file_lazily() -> None:
    source = io.StringIO("a\nb@example.com\n")
    redacted = redact_stream(source)
    assert next(redacted) == "a\n"
    assert source.tell() < len(source.getvalue())
    assert list(redacted) == ["[REDACTED:email]\n"]


def test_begin_marker_line_alone_is_redacted_and_the_key_body_dropped() -> None:
    lines = [
        "loading\n",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n",
        "AAAA==\n",
        "-----END OPENSSH PRIVATE KEY-----\n",
        "loaded\n",
    ]
    assert list(redact_stream(lines)) == ["loading\n", "[REDACTED:private_key]\n", "loaded\n"]


def test_encrypted_pem_headers_and_blank_lines_belong_to_the_key() -> None:
    lines = [
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "Proc-Type: 4,ENCRYPTED\n",
        "DEK-Info: AES-128-CBC,5E2D2C3B\n",
        "\n",
        "MIIEowIBAAKCAQEA\n",
        "-----END RSA PRIVATE KEY-----\n",
    ]
    assert list(redact_stream(lines)) == ["[REDACTED:private_key]\n"]


def test_a_line_that_cannot_be_key_body_ends_an_unterminated_key() -> None:
    lines = ["-----BEGIN PRIVATE KEY-----\n", "MIIEvQ\n", "2026-03-14 INFO user a@b.io\n"]
    assert list(redact_stream(lines)) == [
        "[REDACTED:private_key]\n",
        "2026-03-14 INFO user [REDACTED:email]\n",
    ]


def test_text_after_the_end_marker_is_kept_and_redacted() -> None:
    lines = ["-----BEGIN EC PRIVATE KEY-----\n", "MHcCAQEE\n", "-----END EC PRIVATE KEY----- ssn 123-45-6789\n"]
    assert list(redact_stream(lines)) == ["[REDACTED:private_key]\n", " ssn [REDACTED:ssn]\n"]


def test_stream_uses_the_given_redactor() -> None:
    redactor = Redactor(extra_keys=["patient_id"])
    assert list(redact_stream(["patient_id=P-1\n"], redactor)) == [
        "patient_id=[REDACTED:patient_id]\n"
    ]
