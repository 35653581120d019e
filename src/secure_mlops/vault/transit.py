"""Vault Transit as the project's key service: data keys, keyed hashes. Keys never leave Vault."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import hvac
import hvac.exceptions

from secure_mlops.crypto.keys import DataKey, WrappedKey
from secure_mlops.errors import VaultError
from secure_mlops.vault.errors import vault_errors

# OpenBao's default max_request_json_strings (1000) allows at most 499 batch items per request.
HMAC_BATCH_SIZE = 499
HMAC_PARALLEL_REQUESTS = 4


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _strip_vault_prefix(value: str) -> bytes:
    """'vault:v3:<base64>' -> raw bytes."""
    return _b64(value.split(":", 2)[2])


class TransitKeyService:
    """Per-object data keys from Transit `datakey`: one Vault call per encrypt, decrypt or rewrap."""

    def __init__(self, client: hvac.Client, *, key_name: str, mount: str = "transit") -> None:
        self._client = client
        self._key_name = key_name
        self._mount = mount

    def _errors(self, action: str):  # noqa: ANN202 - a context manager
        return vault_errors(f"{action} with Transit key '{self._key_name}'", self._client.url)

    def generate_data_key(self) -> tuple[DataKey, WrappedKey]:
        with self._errors("generate a data key"):
            data = self._client.secrets.transit.generate_data_key(
                self._key_name, key_type="plaintext", mount_point=self._mount
            )["data"]
        return DataKey(_b64(data["plaintext"])), WrappedKey(self._key_name, data["ciphertext"])

    def unwrap_data_key(self, wrapped: WrappedKey) -> DataKey:
        with self._errors("unwrap a data key"):
            try:
                data = self._client.secrets.transit.decrypt_data(
                    wrapped.key_name, wrapped.ciphertext, mount_point=self._mount
                )["data"]
            except hvac.exceptions.InvalidRequest as exc:
                if not any("too old" in str(e) or "disallowed by policy" in str(e) for e in exc.errors or []):
                    raise
                raise VaultError(
                    f"this data was encrypted under version {wrapped.version} of Transit key "
                    f"'{wrapped.key_name}', which is older than the key's min_decryption_version",
                    hint="an operator must lower min_decryption_version to read it; rewrap files "
                    "(`secure-mlops rewrap`) before raising it",
                ) from None
        return DataKey(_b64(data["plaintext"]))

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        with self._errors("rewrap a data key"):
            data = self._client.secrets.transit.rewrap_data(
                wrapped.key_name, wrapped.ciphertext, mount_point=self._mount
            )["data"]
        return WrappedKey(wrapped.key_name, data["ciphertext"])


class TransitHmacService:
    """HMAC-SHA256 under a Transit key, batched (hvac has no batch argument for hmac)."""

    def __init__(
        self,
        client: hvac.Client,
        *,
        key_name: str,
        mount: str = "transit",
        batch_size: int = HMAC_BATCH_SIZE,
        parallel: int = HMAC_PARALLEL_REQUESTS,
    ) -> None:
        self._client = client
        self._key_name = key_name
        self._path = f"/v1/{mount}/hmac/{key_name}/sha2-256"
        self._batch_size = batch_size
        self._parallel = parallel

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        batches = [values[i : i + self._batch_size] for i in range(0, len(values), self._batch_size)]
        if len(batches) <= 1:
            return self._hmac_batch(batches[0]) if batches else []
        # Vault answers each batch in ~5 ms, mostly waiting on the network and JSON: a few
        # requests in flight keep both sides busy. map() keeps the order of the batches.
        with ThreadPoolExecutor(max_workers=self._parallel) as pool:
            return [digest for batch in pool.map(self._hmac_batch, batches) for digest in batch]

    def _hmac_batch(self, values: Sequence[bytes]) -> list[bytes]:
        batch = [{"input": base64.b64encode(v).decode("ascii")} for v in values]
        with vault_errors(f"compute keyed hashes with Transit key '{self._key_name}'", self._client.url):
            response = self._client.adapter.post(self._path, json={"batch_input": batch})
        results = response["data"]["batch_results"]
        if len(results) != len(values) or any("error" in r and r["error"] for r in results):
            # Item errors would echo nothing useful without the input, which we must not print.
            raise VaultError(f"Vault rejected part of a keyed-hash batch for key '{self._key_name}'")
        return [_strip_vault_prefix(r["hmac"]) for r in results]
