"""Keyed pseudonyms: a value becomes the lowercase hex of the first 16 bytes of HMAC-SHA256.

Keyed, not a bare hash: identifiers come from small spaces (SSNs, phone numbers, patient ids),
so an unkeyed hash is reversed by hashing every candidate. The key stays in Vault; whoever holds
the data without the key cannot test guesses.

Canonical form (what is hashed): the value as text (integers in decimal), Unicode NFC, with
surrounding whitespace trimmed, encoded as UTF-8. Case is kept: whether "AB12" and "ab12" are one
identifier is the source's business, and folding case would merge distinct ids. The column name
and the file are not part of the input, so the same value pseudonymizes the same way in every
column, file and run under one key: extracts can be joined on pseudonyms. A different key gives
unrelated pseudonyms.

Scoped pseudonyms (a contract's `pseudonym_scope: dataset`): the HMAC input is then the label
``secure-mlops pseudonym scope`` and a NUL byte, the scope's UTF-8 length as 4 bytes big-endian,
the scope (the contract's name), then the canonical text. The length keeps scope and value from
trading characters; under one key the same value gets unrelated pseudonyms in two scopes, so
datasets that must not be linked cannot be joined on them.

Key versions: the HMAC service pins one version of the key for a whole run
(`vault/transit.py`), recorded with the dataset and in the release's manifest. Another version
gives every value another pseudonym, so rotating the pseudonym key is a deliberate
re-pseudonymization of every dataset that must stay joinable, never a routine rotation
(infra/terraform/README.md).

Truncation to 128 bits: the chance that any two of n distinct values collide is about
n^2 / 2^129 (around 1e-21 for a billion values), and the key, not the length, is what makes a
pseudonym impossible to reverse. 32 hex characters are also half the size to store and join on.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from secure_mlops.errors import SecureMlopsError
from secure_mlops.privacy.hmac import HmacService

PSEUDONYM_BYTES = 16
DIGEST_BYTES = 32
SCOPE_LABEL = b"secure-mlops pseudonym scope\x00"


class Pseudonymizer:
    """Pseudonymizes arrays through an `HmacService`, each distinct value sent once per batch.

    A cache of up to `cache_size` pseudonyms carries them across batches, so a value repeated
    through a file (a patient's many visits) usually costs one HMAC. When full it is emptied
    rather than evicting entry by entry: identifiers mostly do not repeat, and per-entry LRU
    bookkeeping cost a third of the run time on a million unique ids.
    """

    def __init__(self, service: HmacService, *, scope: str | None = None, cache_size: int = 100_000) -> None:
        self._service = service
        self._prefix = scope_prefix(scope) if scope is not None else b""
        self._cache_size = cache_size
        self._cache: dict[bytes, str] = {}

    def __repr__(self) -> str:  # the cache maps values to pseudonyms: never show it
        return f"Pseudonymizer(cached={len(self._cache)})"

    def pseudonymize(self, values: pa.Array) -> pa.Array:
        """A string array of pseudonyms; nulls stay null."""
        encoded = canonical_text(values).dictionary_encode()
        distinct: list[bytes] = encoded.dictionary.cast(pa.binary()).to_pylist()  # UTF-8 bytes
        pseudonyms = pa.array(self._lookup(distinct), type=pa.string())
        return pc.take(pseudonyms, encoded.indices)

    def _lookup(self, distinct: list[bytes]) -> list[str]:
        cache = self._cache
        missing = [v for v in distinct if v not in cache]
        computed = dict(zip(missing, self._hmac(missing), strict=True))
        found = [cache.get(v) or computed[v] for v in distinct]
        if len(cache) + len(computed) > self._cache_size:
            cache.clear()
        if len(computed) <= self._cache_size:
            cache.update(computed)
        return found

    def _hmac(self, values: list[bytes]) -> list[str]:
        if not values:
            return []
        digests = self._service.hmac_many([self._prefix + v for v in values] if self._prefix else values)
        if len(digests) != len(values) or set(map(len, digests)) != {DIGEST_BYTES}:
            raise SecureMlopsError(
                f"the HMAC service returned {len(digests)} digests for {len(values)} values, "
                f"or digests that are not {DIGEST_BYTES} bytes"
            )
        return [d[:PSEUDONYM_BYTES].hex() for d in digests]


def scope_prefix(scope: str) -> bytes:
    """What precedes a value in the HMAC input of a pseudonym scoped to `scope`."""
    name = scope.encode("utf-8")
    return SCOPE_LABEL + len(name).to_bytes(4, "big") + name


def canonical_text(values: pa.Array) -> pa.Array:
    """The text that is hashed for each value (see the module docstring)."""
    if pa.types.is_integer(values.type):
        return pc.cast(values, pa.string())
    return pc.utf8_trim_whitespace(pc.utf8_normalize(values, "NFC"))
