"""The file wrappers: atomic output, private permissions, nothing left behind on failure."""

from __future__ import annotations

import stat

import pytest

from secure_mlops.crypto import decrypt_file, encrypt_file, read_header, rewrap_file
from secure_mlops.errors import InputError, StorageError, VaultError

CHUNK = 4096
CONTEXT = b"train.csv.enc"


@pytest.fixture
def plain(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(b"id,email\n" + b"1,ada@example.org\n" * 1000)
    return path


def test_file_round_trip_outputs_are_private(tmp_path, key_service, plain):
    encrypted, decrypted = tmp_path / "train.csv.enc", tmp_path / "out.csv"

    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    decrypt_file(encrypted, decrypted, key_service, CONTEXT)

    assert decrypted.read_bytes() == plain.read_bytes()
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    assert stat.S_IMODE(decrypted.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "train.csv", "train.csv.enc"]


def test_failed_decrypt_writes_no_output_file(tmp_path, key_service, plain, fails_integrity):
    encrypted, decrypted = tmp_path / "train.csv.enc", tmp_path / "out.csv"
    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    blob = bytearray(encrypted.read_bytes())
    blob[-1] ^= 0x01  # only the last chunk is bad: the earlier ones verify and get written first
    encrypted.write_bytes(bytes(blob))

    with fails_integrity():
        decrypt_file(encrypted, decrypted, key_service, CONTEXT)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.csv", "train.csv.enc"]


def test_failed_decrypt_keeps_an_existing_output_untouched(tmp_path, key_service, plain):
    encrypted, decrypted = tmp_path / "train.csv.enc", tmp_path / "out.csv"
    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    decrypted.write_bytes(b"previous")

    with pytest.raises(InputError):  # wrong context type: fails before any byte is written
        decrypt_file(encrypted, decrypted, key_service, "train.csv.enc")  # type: ignore[arg-type]

    assert decrypted.read_bytes() == b"previous"


class _RefusingKeyService:
    def generate_data_key(self):
        raise VaultError("permission denied")


def test_failed_encrypt_leaves_no_temp_file(tmp_path, plain):
    with pytest.raises(VaultError, match="permission denied"):
        encrypt_file(plain, tmp_path / "train.csv.enc", _RefusingKeyService(), CONTEXT)

    assert [p.name for p in tmp_path.iterdir()] == ["train.csv"]


def test_encrypt_interrupted_mid_stream_leaves_no_temp_file(tmp_path, key_service, monkeypatch):
    big = tmp_path / "big.bin"
    big.write_bytes(b"z" * 3 * 1024 * 1024)  # several batches: the failing write is mid-stream

    def disk_full(dst, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("secure_mlops.crypto._chunks.write_all", disk_full)

    with pytest.raises(StorageError, match="No space left"):
        encrypt_file(big, tmp_path / "big.bin.enc", key_service, CONTEXT, chunk_size=CHUNK)

    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


def test_rewrap_file_in_place_keeps_data_decryptable(tmp_path, key_service, plain):
    encrypted, decrypted = tmp_path / "train.csv.enc", tmp_path / "out.csv"
    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    key_service.rotate()

    header = rewrap_file(encrypted, encrypted, key_service)

    assert header.key_version == 2
    with encrypted.open("rb") as src:
        assert read_header(src).key_version == 2
    decrypt_file(encrypted, decrypted, key_service, CONTEXT)
    assert decrypted.read_bytes() == plain.read_bytes()


def test_missing_input_or_output_directory_is_a_clear_error(tmp_path, key_service, plain):
    with pytest.raises(InputError, match="cannot read"):
        encrypt_file(tmp_path / "absent.csv", tmp_path / "x.enc", key_service, CONTEXT)
    with pytest.raises(StorageError, match="cannot write"):
        encrypt_file(plain, tmp_path / "no-such-dir" / "x.enc", key_service, CONTEXT)
    assert key_service.calls == {}


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "to-another-file"])
def test_rewrap_keeps_the_file_mode(tmp_path, key_service, plain, in_place):
    encrypted = tmp_path / "train.csv.enc"
    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    encrypted.chmod(0o640)  # shared with a group of readers: a rewrap must not take that away
    output = encrypted if in_place else tmp_path / "rewrapped.enc"
    key_service.rotate()

    rewrap_file(encrypted, output, key_service)

    assert stat.S_IMODE(output.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"train.csv", "train.csv.enc", output.name})


def test_rewrap_of_a_damaged_file_leaves_it_as_it_was(tmp_path, key_service, plain, fails_integrity):
    encrypted = tmp_path / "train.csv.enc"
    encrypt_file(plain, encrypted, key_service, CONTEXT, chunk_size=CHUNK)
    encrypted.chmod(0o640)
    with encrypted.open("rb") as src:
        body = encrypted.stat().st_size - len(read_header(src).encode())
    junk = b"junk" * ((CHUNK + 16 - body % (CHUNK + 16)) // 4 + 1)  # past the end of a chunk
    encrypted.write_bytes(encrypted.read_bytes() + junk)
    before = encrypted.read_bytes()
    key_service.rotate()

    with fails_integrity():
        rewrap_file(encrypted, encrypted, key_service)

    assert encrypted.read_bytes() == before and stat.S_IMODE(encrypted.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.csv", "train.csv.enc"]
