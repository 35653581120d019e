"""What a command may write to: never something that is not a regular file, never one of its
inputs, stdout (`-o -`) only where the command can stream; and how the process ends on an
error or a signal (`--debug` tracebacks redacted, SIGTERM as 143)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from secure_mlops.cli import app, main
from secure_mlops.errors import InputError
from secure_mlops.storage.termination import Terminated
from tests.support import special_files
from tests.support.environment import isolated_settings
from tests.support.paths import PATIENTS

runner = CliRunner()
UNREACHABLE_VAULT = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def no_vault(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every refusal here comes before Vault: a command that reached it would fail differently."""
    for _ in isolated_settings(monkeypatch, tmp_path / "state"):
        monkeypatch.setenv("VAULT_ADDR", UNREACHABLE_VAULT)
        monkeypatch.setenv("VAULT_TOKEN", "not-a-token")
        monkeypatch.delenv("SECURE_MLOPS_DEBUG", raising=False)
        yield


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    path = tmp_path / "raw.csv"
    path.write_text("patient_id,age\nP1,40\n")
    return path


# Each command's arguments with OUT where the output goes.
WRITERS = {
    "encrypt": ["encrypt", "-i", "RAW", "-o", "OUT"],
    "decrypt": ["decrypt", "-i", "RAW", "-o", "OUT"],
    "rewrap": ["rewrap", "-i", "RAW", "-o", "OUT"],
    "minimize": ["minimize", "--contract", str(PATIENTS), "-i", "RAW", "-o", "OUT"],
    "minimize --report": ["minimize", "--contract", str(PATIENTS), "-i", "RAW", "-o", "m.parquet", "--report", "OUT"],
    "demo-data": ["demo-data", "-o", "OUT"],
    "compile": ["compile", "-o", "OUT"],
}


def invoke(arguments: list[str], raw: Path, out: str) -> object:
    folder = raw.parent
    argv = [str(raw) if a == "RAW" else out if a == "OUT" else str(folder / a) if a == "m.parquet" else a
            for a in arguments]
    return runner.invoke(app, argv)


@pytest.mark.parametrize("command", WRITERS)
@pytest.mark.parametrize("kind", special_files.NOT_REGULAR)
def test_no_command_replaces_what_is_not_a_regular_file(raw: Path, command: str, kind: str) -> None:
    make, called = special_files.NOT_REGULAR[kind]
    target = make(raw.parent / "out.x")
    before = os.lstat(target)

    result = invoke(WRITERS[command], raw, str(target))

    assert result.exit_code == 2, result.output
    assert f"is {called}: refusing to replace it" in result.output
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)


@pytest.mark.parametrize("command", WRITERS)
@pytest.mark.parametrize("spelling", ["newdir/", "existing", "existing/"])
def test_a_folder_is_refused_as_an_output_file(raw: Path, command: str, spelling: str) -> None:
    (raw.parent / "existing").mkdir()
    target = f"{raw.parent}/{spelling}"  # not Path /: it would drop the trailing slash

    result = invoke(WRITERS[command], raw, target)

    assert result.exit_code == 2, result.output
    assert "names a folder: name a file in it" in result.output
    assert not (raw.parent / "newdir").exists()


@pytest.mark.parametrize("command", ["decrypt", "rewrap", "minimize", "minimize --report"])
def test_stdout_is_refused_where_the_command_cannot_stream(raw: Path, command: str) -> None:
    result = invoke(WRITERS[command], raw, "-")

    assert result.exit_code == 2
    assert "- (stdout) is not supported: " in result.output
    assert not (raw.parent / "-").exists()


def test_encrypt_to_stdout_needs_an_explicit_context(raw: Path) -> None:
    result = invoke(WRITERS["encrypt"], raw, "-")

    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith("-o - needs --context")


def test_help_says_what_an_output_may_be() -> None:
    text = " ".join(runner.invoke(app, ["encrypt", "--help"]).output.split())
    assert "Use - for stdout." in text
    assert "a symbolic link, device, FIFO or folder there is refused (name the link's target instead)" in text


# --- the input is never an output -----------------------------------------------------------


@pytest.mark.parametrize(("report", "clashes_with"), [
    ("RAW", "--input"), ("OUT", "--output"), ("CONTRACT", "--contract"), ("HARDLINK", "--input"),
])
def test_minimize_report_over_an_input_or_the_output_is_refused_before_anything_is_written(
        raw: Path, report: str, clashes_with: str) -> None:
    out = raw.parent / "m.parquet"
    contract = raw.parent / "contract.yaml"
    contract.write_bytes(PATIENTS.read_bytes())
    hardlink = raw.parent / "raw-again.csv"
    os.link(raw, hardlink)
    paths = {"RAW": raw, "OUT": out, "CONTRACT": contract, "HARDLINK": hardlink}
    before = {p: p.read_bytes() for p in (raw, contract)}

    result = runner.invoke(app, ["minimize", "--contract", str(contract), "-i", str(raw), "-o", str(out),
                                 "--report", str(paths[report])])

    assert isinstance(result.exception, InputError)
    assert f"is the same file as {clashes_with}" in str(result.exception)
    assert {p: p.read_bytes() for p in (raw, contract)} == before
    assert not out.exists()


@pytest.mark.parametrize("command", ["encrypt", "decrypt", "minimize"])
def test_an_output_that_is_the_input_is_refused(raw: Path, command: str) -> None:
    result = invoke(WRITERS[command], raw, str(raw.parent / "." / raw.name))

    assert isinstance(result.exception, InputError)
    assert "--output" in str(result.exception) and "is the same file as --input" in str(result.exception)


@pytest.mark.parametrize("command", ["encrypt", "decrypt"])
def test_a_context_that_is_not_utf8_is_an_input_error(raw: Path, command: str) -> None:
    not_utf8 = os.fsdecode(b"s3://lake/\xff\xfe")  # how Python hands over such an argument

    result = invoke([*WRITERS[command], "--context", not_utf8], raw, str(raw.parent / "out.bin"))

    assert isinstance(result.exception, InputError)
    assert str(result.exception) == "--context is not valid UTF-8 (pass --context in UTF-8)"


# --- demo-data --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "read"), [("x.parquet", pq.read_table), ("x.csv", pacsv.read_csv)])
def test_demo_data_writes_the_format_its_suffix_names(tmp_path: Path, name: str, read: Callable) -> None:
    result = runner.invoke(app, ["demo-data", "--rows", "7", "-o", str(tmp_path / name)])

    assert result.exit_code == 0, result.output
    assert read(tmp_path / name).num_rows == 7


def test_demo_data_refuses_a_suffix_it_cannot_write(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo-data", "-o", str(tmp_path / "x.txt")])

    assert isinstance(result.exception, InputError)
    assert "x.txt: cannot tell the format from the suffix" in str(result.exception)
    assert not (tmp_path / "x.txt").exists()


def test_demo_data_to_stdout_is_csv_and_the_message_goes_to_stderr() -> None:
    result = runner.invoke(app, ["demo-data", "--rows", "3", "-o", "-"])

    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 4 and result.stdout.startswith('"patient_id"')
    assert result.stderr == "wrote 3 synthetic rows to stdout\n"


# --- how the process ends ---------------------------------------------------------------------


def run_main(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setattr(sys, "argv", ["secure-mlops", *argv])
    with pytest.raises(SystemExit) as ended:
        main()
    return ended.value.code  # type: ignore[return-value]


def _token_store_failing_with(error: BaseException) -> Callable[[], object]:
    def store() -> object:
        raise error

    return store


VAULT_TOKEN = "s." + "A1b2C3d4E5f6G7h8J9k0L1m2"  # the shape of an OpenBao token


def test_debug_tracebacks_go_through_the_redactor(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from secure_mlops.cli import token_cmds

    error = ValueError(f"Invalid header value b'{VAULT_TOKEN}\\n' for jane.doe@example.com")
    monkeypatch.setattr(token_cmds, "_store", _token_store_failing_with(error))

    code = run_main(monkeypatch, "--debug", "token", "list")

    stderr = capsys.readouterr().err
    assert code == 1
    assert "Traceback (most recent call last)" in stderr and "ValueError: Invalid header value" in stderr
    assert VAULT_TOKEN not in stderr and "jane.doe@example.com" not in stderr
    assert "[REDACTED:vault_token]" in stderr and "[REDACTED:email]" in stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_command_stopped_by_a_signal_ends_with_128_plus_its_number(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], signum: int) -> None:
    from secure_mlops.cli import token_cmds

    monkeypatch.setattr(token_cmds, "_store", _token_store_failing_with(Terminated(signum)))

    assert run_main(monkeypatch, "token", "list") == 128 + signum
    assert capsys.readouterr().err == f"terminated by {signal.Signals(signum).name}\n"
