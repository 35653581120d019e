"""`secure-mlops keys rotate | rewrap | retire | shred` against a real OpenBao (and moto for S3):
the key-compromise procedure of docs/runbook.md, each step by the identity whose policy grants it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import hvac
import hvac.exceptions
import pytest

from secure_mlops.config import Settings
from secure_mlops.crypto import DataKey, WrappedKey, encrypt_file, read_header
from secure_mlops.vault import TransitKeyService, ensure_transit_keys
from secure_mlops.vault.wrapped_objects import rewrap_objects
from tests.support.cli import clean_env, run_cli
from tests.support.paths import VAULT_POLICIES
from tests.support.servers import VaultServer, start_dev_vault

pytestmark = pytest.mark.integration

DATA_KEY = "secure-mlops-data"
PLAINTEXT = os.urandom(300 * 1024 + 5)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VaultServer]:
    """A Vault of this module's own: rotating, retiring and trimming the shared server's keys would
    change what other tests see, and trimming cannot be undone."""
    server = start_dev_vault(tmp_path_factory.mktemp("vault-keys"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def root(vault: VaultServer, tmp_path_factory: pytest.TempPathFactory) -> hvac.Client:
    client = hvac.Client(url=vault.url, token=vault.token)
    ensure_transit_keys(client, Settings(vault_addr=vault.url, vault_token=vault.token,
                                         state_dir=tmp_path_factory.mktemp("state")))
    return client


@pytest.fixture(scope="module")
def envs(vault: VaultServer, root: hvac.Client, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The `secure-mlops` environment of each identity: a token holding only that policy."""
    state = str(tmp_path_factory.mktemp("cli-state"))
    found = {"root": clean_env(VAULT_ADDR=vault.url, VAULT_TOKEN=vault.token, SECURE_MLOPS_STATE_DIR=state)}
    for role in ("operator", "key-shredder", "pipeline"):
        name = f"secure-mlops-{role}"
        root.sys.create_or_update_policy(name, (VAULT_POLICIES / f"{name}.hcl").read_text(encoding="utf-8"))
        token = root.auth.token.create(policies=[name], ttl="30m")["auth"]["client_token"]
        found[role] = {**found["root"], "VAULT_TOKEN": token}
    return found


def keys(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli("keys", *args, env=env)


def versions(root: hvac.Client, key: str) -> dict[str, object]:
    return root.secrets.transit.read_key(key)["data"]


def encrypt(env: dict[str, str], tmp_path: Path, target: Path) -> None:
    source = tmp_path / "plain.bin"
    source.write_bytes(PLAINTEXT)
    target.parent.mkdir(parents=True, exist_ok=True)
    result = run_cli("encrypt", "-i", source, "-o", target, env=env)
    assert result.returncode == 0, result.stderr


def decrypt(env: dict[str, str], encrypted: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("decrypt", "-i", encrypted, "-o", out, env=env)


def key_version(path: Path) -> int:
    with path.open("rb") as src:
        return read_header(src).key_version


@pytest.mark.control("key-lifecycle")
def test_rotate_rewrap_retire_shred_with_separate_duties(envs: dict[str, dict[str, str]], root: hvac.Client,
                                                          tmp_path: Path) -> None:
    pipeline, operator, shredder = envs["pipeline"], envs["operator"], envs["key-shredder"]
    keep, doomed = tmp_path / "lake" / "keep", tmp_path / "lake" / "shred"
    survivors = [keep / "a.enc", keep / "nested" / "b.enc"]
    for path in [*survivors, doomed / "c.enc"]:
        encrypt(pipeline, tmp_path, path)
    (keep / "notes.txt").write_text("not encrypted")
    first = versions(root, DATA_KEY)["latest_version"]
    chunks_before = {p: p.read_bytes()[-4096:] for p in survivors}

    rotated = keys(operator, "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert f"latest version {first + 1}" in rotated.stdout
    new = versions(root, DATA_KEY)["latest_version"]
    assert new == first + 1

    # Retiring before the re-wrap is refused, naming what still needs the old version.
    early = keys(operator, "retire", "--below", str(new), "--check", keep)
    assert early.returncode == 4 and "a.enc" in early.stderr and "keys rewrap" in early.stderr
    assert versions(root, DATA_KEY)["min_decryption_version"] < new

    rewrapped = keys(pipeline, "rewrap", keep)
    assert rewrapped.returncode == 0, rewrapped.stderr
    assert "rewrapped 2, already newest 0" in rewrapped.stdout and "not encrypted 1" in rewrapped.stdout
    assert f"not encrypted: {keep / 'notes.txt'}" in rewrapped.stderr
    assert all(key_version(p) == new for p in survivors)
    assert {p: p.read_bytes()[-4096:] for p in survivors} == chunks_before  # the data was not touched
    assert keys(pipeline, "rewrap", keep).stdout.startswith("rewrapped 0, already newest 2")
    assert key_version(doomed / "c.enc") == first

    retired = keys(operator, "retire", "--below", str(new), "--check", keep)
    assert retired.returncode == 0, retired.stderr
    assert "terraform.tfvars" in retired.stderr
    data = versions(root, DATA_KEY)
    assert data["min_decryption_version"] == new and data["min_encryption_version"] == new

    # The dataset left under the old version is refused; the re-wrapped ones still read.
    refused = decrypt(pipeline, doomed / "c.enc", tmp_path / "c.out")
    assert refused.returncode == 7 and "min_decryption_version" in refused.stderr
    assert not (tmp_path / "c.out").exists()
    ok = decrypt(pipeline, survivors[1], tmp_path / "b.out")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "b.out").read_bytes() == PLAINTEXT
    stuck = keys(pipeline, "rewrap", doomed)
    assert stuck.returncode == 7 and "left behind 1" in stuck.stdout and "c.enc" in stuck.stderr

    # Shredding: irreversible, so it takes --yes, and the key shredder, not the operator.
    unconfirmed = keys(shredder, "shred", "--below", str(new))
    assert unconfirmed.returncode == 4 and "--yes" in unconfirmed.stderr
    denied = keys(operator, "shred", "--below", str(new), "--yes")
    assert denied.returncode == 7 and "permission denied" in denied.stderr
    assert "secure-mlops-key-shredder" in denied.stderr and operator["VAULT_TOKEN"] not in denied.stderr
    assert versions(root, DATA_KEY)["min_available_version"] == 0  # nothing trimmed

    shredded = keys(shredder, "shred", "--below", str(new), "--yes")
    assert shredded.returncode == 0, shredded.stderr
    assert f"shredded versions {', '.join(map(str, range(1, new)))} of {DATA_KEY}" in shredded.stdout
    assert versions(root, DATA_KEY)["min_available_version"] == new
    with pytest.raises(hvac.exceptions.InvalidRequest, match="min available version"):  # no way back
        root.adapter.post(f"/v1/transit/keys/{DATA_KEY}/config", json={"min_decryption_version": 1})
    assert decrypt(pipeline, doomed / "c.enc", tmp_path / "c.out").returncode == 7
    assert decrypt(pipeline, survivors[0], tmp_path / "a.out").returncode == 0
    again = keys(shredder, "shred", "--below", str(new), "--yes")
    assert again.returncode == 0 and "nothing changed" in again.stdout


@pytest.mark.control("key-lifecycle")
def test_shred_is_refused_until_retired_and_never_for_the_signing_key(envs: dict[str, dict[str, str]],
                                                                      root: hvac.Client) -> None:
    operator, shredder = envs["operator"], envs["key-shredder"]
    pseudonym = "secure-mlops-pseudonym"
    assert keys(operator, "rotate", "--key", "pseudonym").returncode == 0
    latest = versions(root, pseudonym)["latest_version"]

    early = keys(shredder, "shred", "--key", "pseudonym", "--below", str(latest), "--yes")
    assert early.returncode == 7 and "not retired yet" in early.stderr and "keys retire" in early.stderr
    assert versions(root, pseudonym)["min_available_version"] == 0

    signing = keys(envs["root"], "shred", "--key", "signing", "--below", "2", "--yes")
    assert signing.returncode == 4 and "never shredded" in signing.stderr


@pytest.mark.control("key-lifecycle", "least-privilege-vault")
def test_each_step_refuses_the_identities_without_its_policy(envs: dict[str, dict[str, str]], root: hvac.Client,
                                                            tmp_path: Path) -> None:
    latest = versions(root, DATA_KEY)["latest_version"]
    rotate = keys(envs["pipeline"], "rotate")
    assert rotate.returncode == 7 and "permission denied" in rotate.stderr
    assert "secure-mlops-operator" in rotate.stderr and envs["pipeline"]["VAULT_TOKEN"] not in rotate.stderr
    root.secrets.transit.rotate_key("secure-mlops-signing")  # so that --below 2 is a change
    retire = keys(envs["key-shredder"], "retire", "--key", "signing", "--below", "2")
    assert retire.returncode == 7 and "secure-mlops-operator" in retire.stderr
    assert versions(root, "secure-mlops-signing")["min_decryption_version"] == 1

    encrypt(envs["pipeline"], tmp_path, tmp_path / "lake" / "d.enc")
    rewrap = keys(envs["operator"], "rewrap", tmp_path / "lake")
    assert rewrap.returncode == 7 and "permission denied" in rewrap.stderr and "secure-mlops-pipeline" in rewrap.stderr
    assert versions(root, DATA_KEY)["latest_version"] == latest


@pytest.mark.parametrize(("args", "message"), [
    (("retire", "--below", "99"), "has no version 99"),
    (("retire", "--below", "2", "--key", "../sys"), "not a Transit key name"),
    (("rewrap", "no/such/folder"), "is not a folder"),
])
def test_bad_arguments_are_one_line_and_exit_4(envs: dict[str, dict[str, str]], args: tuple[str, ...], message: str) -> None:
    result = keys(envs["root"], *args)
    assert result.returncode == 4 and message in result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


# --- S3, and objects that change while they are re-wrapped ------------------------------------

@pytest.fixture()
def own_key(root: hvac.Client, request: pytest.FixtureRequest) -> str:
    """A data key of the test's own (root token): these tests are about objects, not policies."""
    name = f"keys-test-{request.node.name.split('[')[0].removeprefix('test_')[:40].replace('_', '-')}"
    root.secrets.transit.create_key(name)
    return name


@pytest.mark.control("key-lifecycle")
def test_rewrap_an_s3_prefix(envs: dict[str, dict[str, str]], root: hvac.Client, own_key: str, bucket: str,
                             aws_env: str, tmp_path: Path) -> None:
    env = {**envs["root"], "SECURE_MLOPS_DATA_KEY_NAME": own_key, **{k: v for k, v in os.environ.items()
                                                                     if k.startswith("AWS_")}}
    s3 = boto3.client("s3")
    encrypt(env, tmp_path, tmp_path / "obj.enc")
    s3.put_object(Bucket=bucket, Key="datasets/x/part-0.enc", Body=(tmp_path / "obj.enc").read_bytes(),
                  Metadata={"owner": "team-a"})
    s3.put_object(Bucket=bucket, Key="datasets/x/README", Body=b"plain")
    s3.put_object(Bucket=bucket, Key="datasets/empty", Body=b"")
    root.secrets.transit.rotate_key(own_key)

    result = keys(env, "rewrap", f"s3://{bucket}/datasets/")
    assert result.returncode == 0, result.stderr
    assert "rewrapped 1" in result.stdout and "not encrypted 2" in result.stdout
    rewritten = s3.get_object(Bucket=bucket, Key="datasets/x/part-0.enc")
    body = rewritten["Body"].read()
    assert body[-4096:] == (tmp_path / "obj.enc").read_bytes()[-4096:] and rewritten["Metadata"] == {"owner": "team-a"}
    (tmp_path / "back.enc").write_bytes(body)
    assert key_version(tmp_path / "back.enc") == 2
    assert s3.get_object(Bucket=bucket, Key="datasets/x/README")["Body"].read() == b"plain"

    check = keys(env, "retire", "--key", own_key, "--below", "2", "--check", f"s3://{bucket}/datasets/")
    assert check.returncode == 0, check.stderr


class _WriterInBetween:
    """A key service that lets `write` change the object while its data key is being re-wrapped."""

    def __init__(self, inner: TransitKeyService, write: Callable[[], object]) -> None:
        self._inner, self._write = inner, write

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        return self._inner.generate_data_key()

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        return self._inner.unwrap_data_key(wrapped)

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        self._write()
        return self._inner.rewrap_data_key(wrapped)


def test_an_object_changed_meanwhile_is_left_as_the_writer_left_it(root: hvac.Client, own_key: str, bucket: str,
                                                                   tmp_path: Path) -> None:
    service = TransitKeyService(root, key_name=own_key)
    plain = tmp_path / "plain"
    plain.write_bytes(PLAINTEXT)
    folder = tmp_path / "lake"
    folder.mkdir()
    encrypt_file(plain, folder / "a.enc", service, b"a.enc")
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="changed/a.enc", Body=(folder / "a.enc").read_bytes())
    root.secrets.transit.rotate_key(own_key)

    local = rewrap_objects(str(folder), _WriterInBetween(service, lambda: (folder / "a.enc").write_bytes(b"new")), own_key)
    assert local.changed == [str(folder / "a.enc")] and local.rewrapped == []
    assert (folder / "a.enc").read_bytes() == b"new"

    remote = rewrap_objects(f"s3://{bucket}/changed/", _WriterInBetween(
        service, lambda: s3.put_object(Bucket=bucket, Key="changed/a.enc", Body=b"newer")), own_key)
    assert remote.changed == [f"s3://{bucket}/changed/a.enc"] and remote.rewrapped == []
    assert s3.get_object(Bucket=bucket, Key="changed/a.enc")["Body"].read() == b"newer"
