"""`secure-mlops token create | list | revoke`: the token on stdout once, nothing secret elsewhere."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secure_mlops.cli import app
from secure_mlops.config import get_settings
from secure_mlops.errors import ConfigError, InputError
from secure_mlops.serving.tokens import TokenStore

runner = CliRunner()
TOKEN = re.compile(r"smt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def token_file(state_dir: Path) -> Path:
    return state_dir / "serving" / "tokens.json"


def create(name: str) -> str:
    result = runner.invoke(app, ["token", "create", "--name", name])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.mark.parametrize("command", [["token"], ["token", "create"], ["token", "list"], ["token", "revoke"]])
def test_every_token_command_has_help_with_an_example(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example: secure-mlops token" in result.output


def test_top_level_help_lists_the_token_command() -> None:
    assert "token" in runner.invoke(app, ["--help"]).output


def test_create_prints_exactly_one_line_that_is_the_token(token_file: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--name", "team-a"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and TOKEN.fullmatch(lines[0])
    assert "cannot be shown again" in result.stderr and lines[0] not in result.stderr
    assert TokenStore(token_file).authenticate(lines[0]) == "team-a"


def test_the_file_holds_only_the_hash_with_mode_0600(token_file: Path) -> None:
    token = create("team-a")
    assert token not in token_file.read_text()
    assert {"name", "sha256", "created_at"} == set(json.loads(token_file.read_text())["tokens"][0])
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600


def test_token_file_setting_overrides_the_state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    elsewhere = tmp_path / "mounted" / "tokens.json"
    monkeypatch.setenv("SECURE_MLOPS_SERVING_TOKEN_FILE", str(elsewhere))
    get_settings.cache_clear()
    token = create("team-a")
    assert TokenStore(elsewhere).authenticate(token) == "team-a"


def test_list_shows_names_and_times_but_no_hash(token_file: Path) -> None:
    tokens = [create("team-a"), create("batch-scoring")]
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["NAME", "CREATED", "(UTC)"]
    assert [row.split()[0] for row in rows] == ["team-a", "batch-scoring"]
    assert all(re.fullmatch(r"\S+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", row) for row in rows)
    for entry in json.loads(token_file.read_text())["tokens"]:
        assert entry["sha256"] not in result.output
    assert not any(token in result.output for token in tokens)


def test_list_without_tokens_says_so_on_stderr() -> None:
    result = runner.invoke(app, ["token", "list"])
    assert result.exit_code == 0
    assert result.stdout == "" and "no tokens" in result.stderr


def test_revoke_confirms_on_stderr_and_the_same_store_refuses_the_token(token_file: Path) -> None:
    token = create("team-a")
    service = TokenStore(token_file)  # the running service's store, created before the revoke
    assert service.authenticate(token) == "team-a"
    result = runner.invoke(app, ["token", "revoke", "team-a"])
    assert result.exit_code == 0
    assert result.stdout == "" and "revoked" in result.stderr and "team-a" in result.stderr
    assert service.authenticate(token) is None


def test_duplicate_name_is_an_input_error_with_a_hint_to_revoke() -> None:
    create("team-a")
    result = runner.invoke(app, ["token", "create", "--name", "team-a"])
    assert isinstance(result.exception, InputError) and "revoke" in str(result.exception)
    assert result.stdout == ""


def test_bad_name_is_an_input_error_and_writes_nothing(token_file: Path) -> None:
    result = runner.invoke(app, ["token", "create", "--name", "Team A"])
    assert isinstance(result.exception, InputError)
    assert not token_file.exists()


def test_revoking_an_unknown_name_is_an_input_error() -> None:
    create("team-a")
    result = runner.invoke(app, ["token", "revoke", "team-b"])
    assert isinstance(result.exception, InputError)


def test_missing_file_lists_nothing_and_revoke_finds_nothing(token_file: Path) -> None:
    assert runner.invoke(app, ["token", "list"]).exit_code == 0
    assert isinstance(runner.invoke(app, ["token", "revoke", "team-a"]).exception, InputError)
    assert not token_file.exists()


@pytest.mark.parametrize("command", [["list"], ["create", "--name", "team-b"], ["revoke", "team-a"]])
def test_corrupt_file_is_a_config_error_naming_the_file(token_file: Path, command: list[str]) -> None:
    create("team-a")
    token_file.write_text("{broken")
    result = runner.invoke(app, ["token", *command])
    assert isinstance(result.exception, ConfigError) and str(token_file) in str(result.exception)
    assert result.stdout == "" and token_file.read_text() == "{broken"
