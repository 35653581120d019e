"""Each detector: what it removes, what it leaves, and what it says was there."""

from __future__ import annotations

import pytest

from secure_mlops.redaction import redact


def test_email_is_redacted() -> None:
    assert redact("login ok for alice.smith+ml@example.co.uk") == "login ok for [REDACTED:email]"


def test_email_inside_brackets_and_quotes_is_redacted() -> None:
    assert redact("to=<bob@example.org> cc 'carol@example.net'") == (
        "to=<[REDACTED:email]> cc '[REDACTED:email]'"
    )


@pytest.mark.parametrize(
    "phone",
    [
        "+1 (555) 123-4567",
        "+44 20 7946 0958",
        "+4915112345678",
        "+49 30 1234567",
        "(555) 123-4567",
        "555-123-4567",
        "1-800-555-0199",
        "555.123.4567",
        "030 12345678",
        "0171-2345678",
        "020 7946 0958",
        "06 12 34 56 78",
    ],
)
def test_phone_number_is_redacted(phone: str) -> None:
    assert redact(f"call {phone} today") == "call [REDACTED:phone] today"


def test_us_ssn_is_redacted() -> None:
    assert redact("ssn 123-45-6789 on file") == "ssn [REDACTED:ssn] on file"


@pytest.mark.parametrize("never_issued", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567"])
def test_ssn_with_never_issued_area_or_group_is_kept(never_issued: str) -> None:
    assert redact(f"ref {never_issued}") == f"ref {never_issued}"


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5500 0000 0000 0004",
        "3782 822463 10005",
        "6011000990139424",
        "2223003122003222",
    ],
)
def test_card_number_passing_luhn_is_redacted(card: str) -> None:
    assert redact(f"charge {card} now") == "charge [REDACTED:card] now"


def test_card_number_failing_luhn_is_kept() -> None:
    assert redact("charge 4111111111111112 now") == "charge 4111111111111112 now"


def test_card_number_after_other_digits_is_still_redacted() -> None:
    assert redact("ref 5678 4111 1111 1111 1111") == "ref 5678 [REDACTED:card]"


def test_card_number_after_several_digit_groups_is_still_redacted() -> None:
    assert redact("ref 2345 5678 4111 1111 1111 1111") == "ref 2345 5678 [REDACTED:card]"


def test_card_number_inside_a_failed_phone_candidate_is_still_redacted() -> None:
    # `00 2000 0000 000006` has too many digits for a phone number; the card in it still goes.
    assert redact("00 2000 0000 000006 ") == "00 [REDACTED:card] "


def test_epoch_milliseconds_are_not_taken_for_a_card() -> None:
    # 13 digits that pass Luhn, but no card network starts with 1.
    assert redact("ts=1710417835124") == "ts=1710417835124"


@pytest.mark.parametrize(
    "iban", ["DE89370400440532013000", "DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"]
)
def test_iban_passing_mod97_is_redacted(iban: str) -> None:
    assert redact(f"payout to {iban} queued") == "payout to [REDACTED:iban] queued"


def test_iban_after_an_iban_shaped_word_is_still_redacted() -> None:
    assert redact("AB00000000000000 GB82 WEST 1234 5698 7654 32") == (
        "AB00000000000000 [REDACTED:iban]"
    )


def test_iban_failing_mod97_is_kept() -> None:
    assert redact("payout to DE89370400440532013001") == "payout to DE89370400440532013001"


@pytest.mark.parametrize("address", ["203.0.113.7", "10.1.2.3", "192.168.0.254"])
def test_ipv4_address_is_redacted_and_its_port_kept(address: str) -> None:
    assert redact(f"client {address}:8080 connected") == "client [REDACTED:ip]:8080 connected"


@pytest.mark.parametrize(
    "address",
    ["2001:db8::8a2e:370:7334", "fe80::1", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:192.0.2.128"],
)
def test_ipv6_address_is_redacted(address: str) -> None:
    assert redact(f"peer {address} closed") == "peer [REDACTED:ip] closed"


def test_bracketed_ipv6_with_port_keeps_brackets_and_port() -> None:
    assert redact("GET http://[2001:db8::1]:443/") == "GET http://[[REDACTED:ip]]:443/"


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "::1"])  # noqa: S104 - text to redact, nothing binds
def test_loopback_and_unspecified_addresses_are_kept(address: str) -> None:
    assert redact(f"listening on {address}") == f"listening on {address}"


def test_ipv4_with_an_octet_over_255_is_kept() -> None:
    assert redact("value 300.1.2.3") == "value 300.1.2.3"


@pytest.mark.parametrize("key_id", ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"])
def test_aws_access_key_id_is_redacted(key_id: str) -> None:
    assert redact(f"using {key_id} for s3") == "using [REDACTED:aws_key] for s3"


@pytest.mark.parametrize(
    "line",
    [
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        '"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    ],
)
def test_aws_secret_key_next_to_its_key_name_is_redacted(line: str) -> None:
    redacted = redact(line)
    assert "wJalrXUtnFEMI" not in redacted
    assert "[REDACTED:aws_secret]" in redacted


@pytest.mark.parametrize(
    "token",
    [
        "hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE",
        "hvb.AAAAAQKJlU9JMYEhOPYv4KMvxEYEXAMPLE123",
        "hvr.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE",
        "s.Qf1s5zigZ4OX6akYjQXJC1jY",
        "b.AAAAAQJlU9JMYEhOPYv4KMvx",
    ],
)
def test_vault_and_openbao_tokens_are_redacted(token: str) -> None:
    assert redact(f"renewed {token} ok") == "renewed [REDACTED:vault_token] ok"


def test_jwt_is_redacted() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert redact(f"token {jwt} expired") == "token [REDACTED:jwt] expired"


def test_bearer_token_is_redacted_and_the_scheme_kept() -> None:
    assert redact("curl -H 'Bearer abc.DEF-123_x~+/=' url") == "curl -H 'Bearer [REDACTED:bearer]' url"


def test_authorization_header_value_is_redacted() -> None:
    assert redact("Authorization: Basic dXNlcjpwYXNz") == "Authorization: [REDACTED:authorization]"


def test_password_in_url_is_redacted_and_scheme_user_host_kept() -> None:
    assert redact("connecting to postgres://mlops:s3cr3t@db.internal:5432/features") == (
        "connecting to postgres://mlops:[REDACTED:password]@db.internal:5432/features"
    )


def test_password_in_url_without_user_is_redacted() -> None:
    assert redact("redis://:s3cr3t@cache:6379/0") == "redis://:[REDACTED:password]@cache:6379/0"


def test_private_key_block_is_redacted_whole() -> None:
    text = (
        "loaded key\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx7\nq2V0cw==\n"
        "-----END RSA PRIVATE KEY-----\nstarted"
    )
    assert redact(text) == "loaded key\n[REDACTED:private_key]\nstarted"


def test_private_key_without_end_marker_loses_its_body_lines() -> None:
    text = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\nAAAA\n2026-03-14 INFO next"
    assert redact(text) == "[REDACTED:private_key]\n2026-03-14 INFO next"


def test_private_key_in_an_escaped_json_string_is_redacted() -> None:
    text = '{"pem": "-----BEGIN PRIVATE KEY-----\\nMIIEvQ==\\n-----END PRIVATE KEY-----\\n"}'
    assert redact(text) == '{"pem": "[REDACTED:private_key]\\n"}'
