"""The token service: convergent encryption under a derived Transit key, batched.

Both directions name the configured key and mount only. Encryption is what the pipeline does
(its policy grants `encrypt` on the token key); decryption is for the re-identifier role alone
(`secure-mlops detokenize`). Plaintexts and ciphertexts never appear in an error message.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import hvac
import hvac.exceptions

from secure_mlops.crypto.keys import is_key_name
from secure_mlops.errors import ConfigError, IntegrityError, VaultError
from secure_mlops.vault.errors import vault_errors
from secure_mlops.vault.transit import HMAC_BATCH_SIZE, HMAC_PARALLEL_REQUESTS

# Item errors Vault gives a ciphertext that does not decrypt under the context: made for another
# column or contract, or altered.
_NOT_OURS = ("cipher:", "invalid ciphertext", "message authentication failed")


class TransitTokenService:
    """`encrypt_many` / `decrypt_many` with Transit's batch_input, a few requests in flight."""

    def __init__(
        self,
        client: hvac.Client,
        *,
        key_name: str,
        mount: str = "transit",
        batch_size: int = HMAC_BATCH_SIZE,
        parallel: int = HMAC_PARALLEL_REQUESTS,
    ) -> None:
        if not is_key_name(key_name):
            raise ConfigError("the token key's name is not a Transit key name",
                              hint="set SECURE_MLOPS_TOKEN_KEY_NAME to letters, digits, '-' and '_'")
        self._client = client
        self._key_name = key_name
        self._mount = mount
        self._batch_size = batch_size
        self._parallel = parallel

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        items = [{"plaintext": _b64(v), "context": _b64(context)} for v in values]
        results = self._batched("encrypt", items, "make tokens")
        return [r["ciphertext"] for r in results]

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        items = [{"ciphertext": c, "context": _b64(context)} for c in ciphertexts]
        results = self._batched("decrypt", items, "read tokens back")
        return [base64.b64decode(r["plaintext"], validate=True) for r in results]

    def _batched(self, operation: str, items: list[dict[str, str]], action: str) -> list[dict[str, Any]]:
        batches = [items[i : i + self._batch_size] for i in range(0, len(items), self._batch_size)]
        if len(batches) <= 1:
            return [r for batch in batches for r in self._post(operation, batch, action)]
        with ThreadPoolExecutor(max_workers=self._parallel) as pool:
            return [r for answer in pool.map(lambda b: self._post(operation, b, action), batches) for r in answer]

    def _post(self, operation: str, items: list[dict[str, str]], action: str) -> list[dict[str, Any]]:
        path = f"/v1/{self._mount}/{operation}/{self._key_name}"
        with vault_errors(f"{action} with Transit key '{self._key_name}'", self._client.url):
            try:
                response = self._client.adapter.post(path, json={"batch_input": items})
            except hvac.exceptions.InvalidRequest as exc:
                # Vault answers 400 when items fail, the item errors in the body's batch_results;
                # the messages are its own, value-free.
                if operation == "decrypt" and any(m in e for e in _item_errors(exc) for m in _NOT_OURS):
                    raise _not_this_column() from None
                raise
        results = response["data"]["batch_results"]
        errors = [str(r.get("error")) for r in results if r.get("error")]
        if operation == "decrypt" and any(m in e for e in errors for m in _NOT_OURS):
            raise _not_this_column()
        if len(results) != len(items) or errors:
            raise VaultError(f"Vault rejected part of a batch to {action} with Transit key '{self._key_name}'")
        return results


def _item_errors(exc: hvac.exceptions.VaultError) -> list[str]:
    body = exc.json if isinstance(exc.json, dict) else {}
    results = (body.get("data") or {}).get("batch_results") or []
    return [str(e) for e in exc.errors or []] + [str(r.get("error")) for r in results if isinstance(r, dict) and r.get("error")]


def _not_this_column() -> IntegrityError:
    return IntegrityError(
        "a token does not decrypt under this contract and column",
        hint="it was made for another column or contract, or it was altered; check --column and --contract",
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
