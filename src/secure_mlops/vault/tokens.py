"""The token service: convergent encryption under a derived Transit key, batched.

Both directions name the configured key and mount only. Encryption is what the pipeline and the
inference service do (their policies grant `encrypt` on the token key); decryption is for the
re-identifier role alone (`secure-mlops detokenize`). Plaintexts and ciphertexts never appear in
an error message.

Encryption is pinned to one key version, as the pseudonym key's keyed hashes are: convergent
encryption under another version gives the same value another token, so a rotation in the middle
of a run, or a service answering under a newer version than its training data, would break joins.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import hvac
import hvac.exceptions

from secure_mlops.crypto.keys import is_key_name
from secure_mlops.errors import ConfigError, IntegrityError, VaultError
from secure_mlops.vault.errors import vault_errors
from secure_mlops.vault.transit import HMAC_PARALLEL_REQUESTS, in_batches

# OpenBao's default max_request_json_strings (1000) counts keys and string values: a pinned
# encrypt item holds five (plaintext, context and key_version, the first two's values), so a
# request of 199 items stays under it with the `batch_input` key.
TOKEN_BATCH_SIZE = 199

# Item errors Vault gives a ciphertext that does not decrypt under the context: made for another
# column or contract, or altered.
_NOT_OURS = ("cipher:", "invalid ciphertext", "message authentication failed")
# Item errors Vault gives a pinned encryption version it will not use: below the key's
# min_encryption_version, or above its latest.
_VERSION_REFUSED = ("version", "too old")


class TransitTokenService:
    """`encrypt_many` / `decrypt_many` with Transit's batch_input, a few requests in flight."""

    def __init__(
        self,
        client: hvac.Client,
        *,
        key_name: str,
        mount: str = "transit",
        key_version: int | None = None,
        batch_size: int = TOKEN_BATCH_SIZE,
        parallel: int = HMAC_PARALLEL_REQUESTS,
    ) -> None:
        if not is_key_name(key_name):
            raise ConfigError("the token key's name is not a Transit key name",
                              hint="set SECURE_MLOPS_TOKEN_KEY_NAME to letters, digits, '-' and '_'")
        self._client = client
        self._key_name = key_name
        self._mount = mount
        self._key_version = key_version
        self._batch_size = batch_size
        self._parallel = parallel

    @property
    def key_name(self) -> str:
        return self._key_name

    @property
    def key_version(self) -> int | None:
        """The version every token is made under: the one given, else the key's latest as the
        first encryption found it; None before an unpinned service's first encryption."""
        return self._key_version

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        items = [{"plaintext": _b64(v), "context": _b64(context)} for v in values]
        return in_batches(items, self._batch_size, self._parallel, self._encrypt)

    def _encrypt(self, items: Sequence[dict[str, Any]]) -> list[str]:
        if self._key_version is not None:
            # Transit reads the version of each batch item, not of the request.
            items = [{**item, "key_version": self._key_version} for item in items]
        ciphertexts = [r["ciphertext"] for r in self._post("encrypt", items, "make tokens")]
        versions = {_ciphertext_version(c) for c in ciphertexts}
        if self._key_version is None and len(versions) == 1:
            self._key_version = versions.pop()
        elif ciphertexts and versions != {self._key_version}:
            raise VaultError(f"Vault encrypted a token batch with key '{self._key_name}' under another "
                             f"version than {self._key_version}")
        return ciphertexts

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        items = [{"ciphertext": c, "context": _b64(context)} for c in ciphertexts]
        results = in_batches(items, self._batch_size, self._parallel,
                             lambda batch: self._post("decrypt", batch, "read tokens back"))
        return [base64.b64decode(r["plaintext"], validate=True) for r in results]

    def _post(self, operation: str, items: Sequence[dict[str, Any]], action: str) -> list[dict[str, Any]]:
        path = f"/v1/{self._mount}/{operation}/{self._key_name}"
        with vault_errors(f"{action} with Transit key '{self._key_name}'", self._client.url):
            try:
                response = self._client.adapter.post(path, json={"batch_input": items})
            except hvac.exceptions.InvalidRequest as exc:
                # Vault answers 400 when items fail, the item errors in the body's batch_results;
                # the messages are its own, value-free.
                if operation == "decrypt" and any(m in e for e in _item_errors(exc) for m in _NOT_OURS):
                    raise _not_this_column() from None
                if operation == "encrypt" and self._key_version is not None and any(
                        m in e for e in _item_errors(exc) for m in _VERSION_REFUSED):
                    raise self._version_refused() from None
                raise
        results = response["data"]["batch_results"]
        errors = [str(r.get("error")) for r in results if r.get("error")]
        if operation == "decrypt" and any(m in e for e in errors for m in _NOT_OURS):
            raise _not_this_column()
        if operation == "encrypt" and self._key_version is not None and any(m in e for e in errors for m in _VERSION_REFUSED):
            raise self._version_refused()
        if len(results) != len(items) or errors:
            raise VaultError(f"Vault rejected part of a batch to {action} with Transit key '{self._key_name}'")
        return results


    def _version_refused(self) -> VaultError:
        return VaultError(
            f"version {self._key_version} of Transit key '{self._key_name}' no longer makes tokens: "
            "Vault has retired it for encryption, or has no such version",
            hint="the data is pinned to it (a release's manifest records it in keys.token); tokens under "
            "another version need a deliberate re-tokenization of the data",
        )


def _ciphertext_version(ciphertext: str) -> int:
    """N of ``vault:vN:...``; 0 (no version) for anything else, which `to_token` then refuses."""
    prefix, _, rest = ciphertext.partition(":v")
    version = rest.split(":", 1)[0]
    return int(version) if prefix == "vault" and version.isdigit() else 0


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
