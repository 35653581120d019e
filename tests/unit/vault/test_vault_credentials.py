from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secure_mlops.errors import ConfigError
from secure_mlops.vault.credentials import DevCredentials, read_dev_credentials, write_dev_credentials

CREDS = DevCredentials(addr="http://127.0.0.1:8200", unseal_key="unseal-example", root_token="root-example")


def test_credentials_round_trip_in_a_private_file_with_nothing_left_beside_it(tmp_path: Path) -> None:
    path = write_dev_credentials(tmp_path / "state", CREDS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_dev_credentials(tmp_path / "state") == CREDS
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_absent_credentials_read_as_none(tmp_path: Path) -> None:
    assert read_dev_credentials(tmp_path) is None


def test_damaged_credentials_are_a_config_error_that_quotes_nothing(tmp_path: Path) -> None:
    path = write_dev_credentials(tmp_path, CREDS)
    path.write_text('{"addr": "x", "unseal_key": "unseal-example"', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_dev_credentials(tmp_path)
    assert "unseal-example" not in str(caught.value)


def test_a_hand_edited_token_with_a_trailing_newline_is_stripped(tmp_path: Path) -> None:
    path = write_dev_credentials(tmp_path, CREDS)
    path.write_text(path.read_text().replace('"root-example"', '"root-example\\n"'), encoding="utf-8")
    assert read_dev_credentials(tmp_path) == CREDS


def test_a_token_with_whitespace_inside_is_a_config_error_that_quotes_nothing(tmp_path: Path) -> None:
    path = write_dev_credentials(tmp_path, CREDS)
    path.write_text(path.read_text().replace('"root-example"', '"root example"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="credentials") as caught:
        read_dev_credentials(tmp_path)
    assert "example" not in str(caught.value).replace(str(tmp_path), "")
