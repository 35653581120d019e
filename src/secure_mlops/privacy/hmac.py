"""The keyed-hash service that pseudonymization relies on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class HmacService(Protocol):
    """Computes HMAC-SHA256 under a key that stays in the key service (Vault Transit in production).

    Implementations batch internally; callers pass as many values as they like.
    """

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        """Raw 32-byte digests, in the order of `values`."""
        ...
