"""Content digests, written the way manifests and artifact metadata record them: ``sha256:<hex>``,
and the one canonical JSON form of a value that gets digested or signed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secure_mlops.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa


def file_sha256(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def table_sha256(table: pa.Table) -> str:
    """``sha256:<hex>`` of a table's content: its schema and rows as one Arrow IPC stream, the
    same however the table is split into chunks. Two runs on the same plaintext give the same
    digest, while their ciphertexts (fresh data keys) never match."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return sha256_digest(sink.getvalue().to_pybytes())


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, ASCII escapes, and no NaN or infinity (which JSON does not
    define, so two parsers could read them differently)."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"value has no canonical JSON form: {exc}") from None
    return text.encode("ascii")
