"""API tokens: kept only as hashes, checked in constant time, revoked without a restart, fail closed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from secure_mlops.errors import ConfigError, InputError
from secure_mlops.serving import tokens as tokens_module
from secure_mlops.serving.tokens import TokenInfo, TokenStore

TOKEN = re.compile(r"smt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "serving" / "tokens.json"


@pytest.fixture
def store(path: Path) -> TokenStore:
    return TokenStore(path)


def write_document(path: Path, document: object) -> None:
    """Replace the file the way a new version arrives (a rename), as the atomic writer does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(path.name + ".new")
    staged.write_text(json.dumps(document), encoding="utf-8")
    os.replace(staged, path)


def test_created_token_has_256_random_bits_and_authenticates(store: TokenStore) -> None:
    token = store.create("team-a")
    assert TOKEN.fullmatch(token)
    assert store.authenticate(token) == "team-a"


def test_each_token_is_different(store: TokenStore) -> None:
    assert store.create("team-a") != store.create("team-b")


def test_file_holds_only_the_hash_with_private_permissions(store: TokenStore, path: Path) -> None:
    token = store.create("team-a")
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[len("smt_"):] not in text
    document = json.loads(text)
    assert document["version"] == 1
    (entry,) = document["tokens"]
    assert set(entry) == {"name", "sha256", "created_at"}
    assert entry["sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_created_at_is_utc_to_the_second(store: TokenStore) -> None:
    store.create("team-a")
    (info,) = store.list()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", info.created_at)


def test_list_shows_names_and_times_never_a_hash(store: TokenStore, path: Path) -> None:
    store.create("team-a")
    store.create("team-b")
    infos = store.list()
    assert [info.name for info in infos] == ["team-a", "team-b"]
    assert all(isinstance(info, TokenInfo) and set(vars(info)) == {"name", "created_at"} for info in infos)
    for entry in json.loads(path.read_text())["tokens"]:
        assert entry["sha256"] not in repr(infos)


@pytest.mark.parametrize("presented", ["", "smt_", "smt_" + "A" * 43, "team-a", "x" * 10_000, "smt_\udcff"])
def test_a_wrong_token_is_refused(store: TokenStore, presented: str) -> None:
    store.create("team-a")
    assert store.authenticate(presented) is None


def test_every_stored_hash_is_compared(store: TokenStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """No early exit: the time taken must not tell which entry matched."""
    first = store.create("team-a")
    for name in ("team-b", "team-c"):
        store.create(name)
    compared: list[bytes] = []
    real = tokens_module.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        compared.append(b)
        return real(a, b)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", counting)
    assert store.authenticate(first) == "team-a"
    assert len(compared) == 3


def test_duplicate_name_is_refused_with_a_hint_to_revoke(store: TokenStore) -> None:
    store.create("team-a")
    with pytest.raises(InputError) as excinfo:
        store.create("team-a")
    assert "team-a" in str(excinfo.value) and "revoke" in (excinfo.value.hint or "")


@pytest.mark.parametrize(
    "name", ["", "Team-a", "-team", ".team", "_team", "team a", "team/a", "t" * 64, "smt_" + "a" * 43]
)
def test_bad_name_is_refused_without_echoing_it(store: TokenStore, path: Path, name: str) -> None:
    with pytest.raises(InputError) as excinfo:
        store.create(name)
    assert not name or name not in str(excinfo.value)
    assert not path.exists()


@pytest.mark.parametrize("name", ["a", "0", "team_a.prod-2", "a" + "b" * 62])
def test_allowed_names_are_accepted(store: TokenStore, name: str) -> None:
    store.create(name)
    assert [info.name for info in store.list()] == [name]


def test_revoking_an_unknown_name_is_an_input_error(store: TokenStore) -> None:
    store.create("team-a")
    with pytest.raises(InputError, match="team-b"):
        store.revoke("team-b")


def test_revoked_token_is_refused_without_restart(store: TokenStore) -> None:
    token = store.create("team-a")
    kept = store.create("team-b")
    assert store.authenticate(token) == "team-a"
    TokenStore(store.path).revoke("team-a")  # as `secure-mlops token revoke` in another process
    assert store.authenticate(token) is None
    assert store.authenticate(kept) == "team-b"
    assert [info.name for info in store.list()] == ["team-b"]


def test_a_token_created_elsewhere_is_accepted_without_restart(store: TokenStore) -> None:
    store.create("team-a")
    assert store.authenticate("smt_not-yet") is None  # the file is now cached
    token = TokenStore(store.path).create("team-b")
    assert store.authenticate(token) == "team-b"


def test_an_unchanged_file_is_not_read_again(store: TokenStore, monkeypatch: pytest.MonkeyPatch) -> None:
    token = store.create("team-a")
    reads: list[Path] = []
    real = tokens_module._read_file

    def counting(path: Path) -> Any:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(tokens_module, "_read_file", counting)
    for _ in range(5):
        assert store.authenticate(token) == "team-a"
    assert len(reads) == 1


def test_a_replaced_file_with_the_same_size_and_mtime_is_noticed(store: TokenStore, path: Path) -> None:
    """The inode is part of what identifies a version: a rename over the file always changes it."""
    old = store.create("team-a")
    assert store.authenticate(old) == "team-a"
    before = path.stat()
    new = "smt_" + "b" * 43
    old_hash, new_hash = (hashlib.sha256(t.encode()).hexdigest() for t in (old, new))
    staged = path.with_name("staged")
    staged.write_text(path.read_text().replace(old_hash, new_hash))
    os.replace(staged, path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert store.authenticate(old) is None
    assert store.authenticate(new) == "team-a"


def test_a_kubernetes_secret_update_by_symlink_swap_is_noticed(tmp_path: Path) -> None:
    """The kubelet mounts tokens.json -> ..data/tokens.json and swaps the ..data symlink on update."""
    mount = tmp_path / "secret"
    mount.mkdir()

    def publish(version: str, token: str) -> None:
        folder = mount / version
        folder.mkdir()
        entry = {"name": "team-a", "sha256": hashlib.sha256(token.encode()).hexdigest(),
                 "created_at": "2024-01-01T00:00:00+00:00"}
        (folder / "tokens.json").write_text(json.dumps({"version": 1, "tokens": [entry]}))
        staged = mount / "..data_tmp"
        staged.symlink_to(version)
        os.replace(staged, mount / "..data")

    first, second = "smt_" + "1" * 43, "smt_" + "2" * 43
    publish("..v1", first)
    (mount / "tokens.json").symlink_to("..data/tokens.json")
    store = TokenStore(mount / "tokens.json")
    assert store.authenticate(first) == "team-a"
    publish("..v2", second)
    assert store.authenticate(first) is None
    assert store.authenticate(second) == "team-a"


def test_missing_file_refuses_every_token(store: TokenStore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert store.authenticate("smt_" + "a" * 43) is None
        assert store.authenticate("smt_" + "b" * 43) is None
    assert store.list() == []
    assert len(caplog.records) == 1 and str(store.path) in caplog.records[0].getMessage()


def test_a_deleted_file_refuses_every_token(store: TokenStore, path: Path) -> None:
    token = store.create("team-a")
    assert store.authenticate(token) == "team-a"
    path.unlink()
    assert store.authenticate(token) is None


def _entries(*entries: tuple[str, str]) -> bytes:
    tokens = [
        {"name": name, "sha256": sha256, "created_at": "2024-01-01T00:00:00+00:00"} for name, sha256 in entries
    ]
    return json.dumps({"version": 1, "tokens": tokens}).encode()


CORRUPT = {
    "not json": b"{not json",
    "not utf-8": b"\xff\xfe",
    "not an object": b"[]",
    "other version": json.dumps({"version": 2, "tokens": []}).encode(),
    "tokens not a list": json.dumps({"version": 1, "tokens": {}}).encode(),
    "entry without a hash": json.dumps({"version": 1, "tokens": [{"name": "a", "created_at": "x"}]}).encode(),
    "hash not hex": _entries(("a", "zz" * 32)),
    "bad name": _entries(("A B", "ab" * 32)),
    "duplicate names": _entries(("a", "ab" * 32), ("a", "cd" * 32)),
}


@pytest.mark.parametrize("content", CORRUPT.values(), ids=CORRUPT.keys())
def test_corrupt_file_is_a_config_error_that_does_not_quote_it(
    store: TokenStore, path: Path, content: bytes
) -> None:
    path.parent.mkdir()
    path.write_bytes(content)
    for action in (store.list, lambda: store.create("team-b"), lambda: store.revoke("a")):
        with pytest.raises(ConfigError) as excinfo:
            action()
        assert str(path) in str(excinfo.value)
        assert "ab" * 32 not in str(excinfo.value) and "not json" not in str(excinfo.value)
    assert path.read_bytes() == content  # create did not overwrite it


def test_corrupt_file_refuses_every_token_with_one_warning(
    store: TokenStore, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = store.create("team-a")
    digest = hashlib.sha256(token.encode()).hexdigest()
    path.write_text(path.read_text().replace('"version": 1', '"version": 1,,'))
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert store.authenticate(token) is None
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert str(path) in message and digest not in message and token not in message


def test_a_repaired_file_is_used_again(store: TokenStore, path: Path) -> None:
    token = store.create("team-a")
    good = path.read_text()
    write_document(path, "broken")
    assert store.authenticate(token) is None
    path.write_text(good)
    assert store.authenticate(token) == "team-a"


def test_nothing_shows_a_token_or_a_hash(
    store: TokenStore, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        token = store.create("team-a")
        store.authenticate(token)
        store.authenticate(token + "x")
        shown = " ".join([repr(store), repr(store.list()), repr(tokens_module._read_file(path)), caplog.text])
    digest = json.loads(path.read_text())["tokens"][0]["sha256"]
    assert token not in shown and digest not in shown and digest[:16] not in shown


def test_authenticate_is_safe_from_many_threads_while_the_file_changes(store: TokenStore) -> None:
    token = store.create("team-a")
    results: list[str | None] = []
    other = TokenStore(store.path)

    def check() -> None:
        for _ in range(200):
            results.append(store.authenticate(token))

    threads = [threading.Thread(target=check) for _ in range(8)]
    for thread in threads:
        thread.start()
    for index in range(20):
        other.create(f"other-{index}")
    for thread in threads:
        thread.join()
    assert results == ["team-a"] * len(results) and len(results) == 1600
