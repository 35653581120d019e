"""Envelope encryption against raw AES-GCM, measured in one run on the same machine.

Figures (printed, never asserted; file figures are the best of --repeat rounds):
  raw AES-GCM      the library's AESGCM on chunk-size buffers in memory: the baseline
  encrypt_stream   our whole chunk loop, memory to a null sink: the cost of the format itself
  plain copy       read + write + fsync of the same file with no crypto: the I/O ceiling
  encrypt_file     and decrypt_file, each in a fresh child process, so its peak RSS is its own
Goals: encryption >= 0.85 x raw AES-GCM; peak RSS <= 4 x chunk + 100 MiB; one key-service call
per object.

Usage: python benchmarks/bench_encryption.py [--size-mib 1024] [--chunk-kib 1024] [--dir DIR]
                                             [--repeat 3]
"""

from __future__ import annotations

import argparse
import base64
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from secure_mlops.crypto import DataKey, WrappedKey, decrypt_file, encrypt_file, encrypt_stream

MIB = 1024 * 1024
_KEK_ENV = "BENCH_ENCRYPTION_KEK"  # a throwaway key shared with the child processes
_POOL_MIB = 16  # distinct buffers cycled, so the baseline reads memory rather than one cached chunk
_CONTEXT = b"bench/input.bin"


class BenchKeyService:
    """A Transit look-alike in memory: one KEK, Vault-style wrapped keys, calls counted."""

    def __init__(self, kek: bytes) -> None:
        self._kek = AESGCM(kek)
        self.calls: Counter[str] = Counter()

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        self.calls["generate_data_key"] += 1
        material, nonce = os.urandom(32), os.urandom(12)
        wrapped = base64.b64encode(nonce + self._kek.encrypt(nonce, material, None)).decode()
        return DataKey(material), WrappedKey("bench", f"vault:v1:{wrapped}")

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        self.calls["unwrap_data_key"] += 1
        blob = base64.b64decode(wrapped.ciphertext.split(":", 2)[2])
        return DataKey(self._kek.decrypt(blob[:12], blob[12:], None))

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        raise NotImplementedError("not benchmarked")


class _PoolReader:
    """Serves `total` bytes by copying from an in-memory pool, as a page-cache read would."""

    def __init__(self, pool: list[bytes], total: int) -> None:
        self._pool, self._left, self._next = pool, total, 0

    def readinto(self, view: memoryview) -> int:
        chunk = self._pool[self._next % len(self._pool)]
        count = min(len(view), self._left, len(chunk))  # short reads are allowed, as from a pipe
        view[:count] = chunk[:count]
        self._next += 1
        self._left -= count
        return count


class _NullWriter:
    def write(self, data: memoryview) -> int:
        return len(data)


def _memory(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak) of this process, in bytes (Linux).

    Not ru_maxrss: across fork + exec it keeps the parent's peak, so a child would report ours.
    """
    status = Path("/proc/self/status").read_text()
    return int(status.split(f"{field}:")[1].split()[0]) * 1024


def _child(operation: str, source: Path, target: Path, chunk_size: int) -> None:
    """In a fresh interpreter: one operation, then its time, memory and key calls as JSON."""
    key_service = BenchKeyService(bytes.fromhex(os.environ[_KEK_ENV]))
    rss_before = _memory("VmRSS")
    start = time.perf_counter()
    if operation == "encrypt":
        encrypt_file(source, target, key_service, _CONTEXT, chunk_size)
    else:
        decrypt_file(source, target, key_service, _CONTEXT)
    seconds = time.perf_counter() - start
    calls = sum(key_service.calls.values())
    peak = _memory("VmHWM")
    print(json.dumps({"seconds": seconds, "before": rss_before, "peak": peak, "calls": calls}))


def _run_child(operation: str, source: Path, target: Path, chunk_size: int, kek: bytes) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", operation, str(source), str(target), str(chunk_size)],
        env={**os.environ, _KEK_ENV: kek.hex()},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def _make_input(path: Path, size: int) -> None:
    block = os.urandom(_POOL_MIB * MIB)
    with path.open("wb") as out:
        for offset in range(0, size, len(block)):
            out.write(block[: size - offset])


def _raw_aesgcm_seconds(pool: list[bytes], count: int) -> tuple[float, float]:
    """Seconds for `count` chunk encryptions with `encrypt` and with `encrypt_into`."""
    aead, nonce, aad = AESGCM(AESGCM.generate_key(256)), os.urandom(12), os.urandom(19)
    start = time.perf_counter()
    for i in range(count):
        aead.encrypt(nonce, pool[i % len(pool)], aad)
    allocating = time.perf_counter() - start
    out = bytearray(len(pool[0]) + 16)
    start = time.perf_counter()
    for i in range(count):
        aead.encrypt_into(nonce, pool[i % len(pool)], aad, out)
    return allocating, time.perf_counter() - start


def _encrypt_stream_seconds(pool: list[bytes], size: int, chunk_size: int, kek: bytes) -> float:
    start = time.perf_counter()
    reader = _PoolReader(pool, size)
    encrypt_stream(reader, _NullWriter(), BenchKeyService(kek), _CONTEXT, chunk_size)
    return time.perf_counter() - start


def _plain_copy_seconds(source: Path, target: Path, chunk_size: int) -> float:
    view = memoryview(bytearray(chunk_size))
    start = time.perf_counter()
    with source.open("rb") as src, target.open("wb") as dst:
        while count := src.readinto(view):
            dst.write(view[:count])
        dst.flush()
        os.fsync(dst.fileno())
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="size of the test file")
    parser.add_argument("--chunk-kib", type=int, default=1024, help="envelope chunk size")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; each figure keeps its best")
    args = parser.parse_args()
    size, chunk_size = args.size_mib * MIB, args.chunk_kib * 1024
    chunks = -(-size // chunk_size)
    kek = AESGCM.generate_key(256)

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-encryption-") as tmp:
        plain, sealed, opened = (Path(tmp) / name for name in ("in.bin", "in.enc", "out.bin"))
        _make_input(plain, size)
        with plain.open("rb") as src:
            pool = [src.read(chunk_size) for _ in range(max(1, _POOL_MIB * MIB // chunk_size))]

        # Timings swing with background write-back and other tenants of the machine: every
        # figure is measured once per round, rounds interleave them, and each keeps its best.
        raws, in_memory, copies, encrypts, decrypts = [], [], [], [], []
        for _ in range(args.repeat):
            raws.append(_raw_aesgcm_seconds(pool, chunks))
            in_memory.append(_encrypt_stream_seconds(pool, size, chunk_size, kek))
            copies.append(_plain_copy_seconds(plain, opened, chunk_size))
            encrypts.append(_run_child("encrypt", plain, sealed, chunk_size, kek))
            decrypts.append(_run_child("decrypt", sealed, opened, chunk_size, kek))
        identical = filecmp.cmp(plain, opened, shallow=False)

    raw_alloc, raw_into = (min(run[i] for run in raws) for i in (0, 1))
    raw = min(raw_alloc, raw_into)  # the library at its best: the honest baseline
    copy = min(copies)
    enc = min(run["seconds"] for run in encrypts)
    dec = min(run["seconds"] for run in decrypts)

    def line(label: str, seconds: float, note: str) -> None:
        print(f"{label:<26} {size / MIB / seconds:7.0f} MiB/s  x{raw / seconds:.2f} raw  {note}")

    print(f"{args.size_mib} MiB file, {chunk_size // 1024} KiB chunks ({chunks}), in {tmp}, "
          f"best of {args.repeat}")
    line("raw AES-GCM encrypt", raw_alloc, "")
    line("raw AES-GCM encrypt_into", raw_into, "<- baseline (the faster)")
    line("encrypt_stream mem->null", min(in_memory), "goal x0.85")
    line("plain copy + fsync", copy, "the disk's ceiling for any file-to-file step")
    line("encrypt_file", enc, f"goal x0.85; {copy / enc:.2f} of plain copy")
    line("decrypt_file", dec, f"{copy / dec:.2f} of plain copy; output identical: {identical}")
    goal = 4 * chunk_size + 100 * MIB
    for name, runs in (("encrypt_file", encrypts), ("decrypt_file", decrypts)):
        peak = max(run["peak"] for run in runs)
        growth = max(run["peak"] - run["before"] for run in runs)
        verdict = "met" if peak <= goal else "NOT met"
        print(f"{name} peak RSS {peak / MIB:.1f} MiB (the call added {growth / MIB:.1f} MiB); "
              f"goal <= {goal / MIB:.0f} MiB: {verdict}")
    calls = sorted({run["calls"] for run in encrypts + decrypts})
    print(f"key-service calls per object: {calls} (goal [1])")


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), int(sys.argv[5]))
    else:
        main()
