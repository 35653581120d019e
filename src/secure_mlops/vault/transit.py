"""Vault Transit as the project's key service: data keys, keyed hashes. Keys never leave Vault."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import hvac
import hvac.exceptions

from secure_mlops.crypto.format import integrity_failure
from secure_mlops.crypto.keys import DataKey, WrappedKey, is_key_name
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.vault.errors import vault_errors

log = logging.getLogger(__name__)

# OpenBao's default max_request_json_strings (1000) allows at most 499 batch items per request.
Item = TypeVar("Item")
Answer = TypeVar("Answer")
HMAC_BATCH_SIZE = 499
HMAC_PARALLEL_REQUESTS = 4


def in_batches(items: Sequence[Item], size: int, parallel: int, post: Callable[[Sequence[Item]], list[Answer]],
               ) -> list[Answer]:
    """`post` over `items` in batches of `size`, the answers in the items' order.

    The first batch goes alone, so that an unpinned service learns the key's latest version from
    it and pins the others to it; the rest go `parallel` at a time. Vault answers a batch in a few
    milliseconds, mostly waiting on the network and JSON: a few requests in flight keep both busy.
    """
    batches = [items[i : i + size] for i in range(0, len(items), size)]
    if not batches:
        return []
    first = post(batches[0])
    if len(batches) == 1:
        return first
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return first + [answer for batch in pool.map(post, batches[1:]) for answer in batch]


def _b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _strip_vault_prefix(value: str) -> bytes:
    """'vault:v3:<base64>' -> raw bytes."""
    return _b64(value.split(":", 2)[2])


# Vault's answers when the wrapped key itself does not decrypt (OpenBao: "cipher: message
# authentication failed", "invalid ciphertext: ...", "invalid ciphertext length"): the file that
# held it was modified, which is the envelope's one integrity error, not a Vault problem.
_CIPHERTEXT_REJECTED = ("cipher:", "invalid ciphertext")
_VERSION_RETIRED = ("too old", "disallowed by policy")


class TransitKeyService:
    """Per-object data keys from Transit `datakey`: one Vault call per encrypt, decrypt or rewrap.

    Requests name the configured key and mount only. A wrapped key naming another key (it comes
    from a file) is refused before any request: a file must never choose what Vault decrypts.
    """

    def __init__(self, client: hvac.Client, *, key_name: str, mount: str = "transit") -> None:
        if not is_key_name(key_name):
            raise ConfigError(
                "the data key's name is not a Transit key name",
                hint="set SECURE_MLOPS_DATA_KEY_NAME to letters, digits, '-' and '_', dots only between them",
            )
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
        with self._errors("unwrap a data key"), self._own_wrapped_key(wrapped):
            data = self._client.secrets.transit.decrypt_data(
                self._key_name, wrapped.ciphertext, mount_point=self._mount
            )["data"]
        return DataKey(_b64(data["plaintext"]))

    def rewrap_data_key(self, wrapped: WrappedKey) -> WrappedKey:
        with self._errors("rewrap a data key"), self._own_wrapped_key(wrapped):
            data = self._client.secrets.transit.rewrap_data(
                self._key_name, wrapped.ciphertext, mount_point=self._mount
            )["data"]
        return WrappedKey(self._key_name, data["ciphertext"])

    @contextmanager
    def _own_wrapped_key(self, wrapped: WrappedKey) -> Iterator[None]:
        """Refuse another key's wrapped key; say what Vault's refusals of this one mean."""
        if wrapped.key_name != self._key_name:
            raise integrity_failure()
        try:
            yield
        except hvac.exceptions.InvalidRequest as exc:
            errors = [str(error) for error in exc.errors or []]
            if any(error.startswith(_CIPHERTEXT_REJECTED) for error in errors):
                raise integrity_failure() from None
            if not any(marker in error for error in errors for marker in _VERSION_RETIRED):
                raise
            raise VaultError(
                f"this data was encrypted under version {wrapped.version} of Transit key "
                f"'{self._key_name}', which is older than the key's min_decryption_version",
                hint="an operator must lower min_decryption_version to read it; rewrap files "
                "(`secure-mlops rewrap`) before raising it",
            ) from None


class TransitHmacService:
    """HMAC-SHA256 under one version of a Transit key, batched (hvac has no batch argument for hmac).

    Every request pins the key version: `key_version` when given (the run's
    SECURE_MLOPS_PSEUDONYM_KEY_VERSION, or the version a release's manifest records), else the
    key's latest, learned from the first answer. A rotation during a run then cannot give one
    value two pseudonyms, and `key_version` is the version every digest was made under, for the
    record. A given version older than the key's latest is logged once as a warning: its
    pseudonyms do not join with those made under the latest.
    """

    # Vault's refusals of a pinned version: retired (below min_encryption_version) or unknown.
    _VERSION_REFUSED = ("too old", "disallowed by policy", "does not exist")
    # What is hashed to learn the latest version: a constant, never a data value.
    _PROBE = b"secure-mlops: which version of the pseudonym key is the latest?"

    def __init__(
        self,
        client: hvac.Client,
        *,
        key_name: str,
        mount: str = "transit",
        key_version: int | None = None,
        batch_size: int = HMAC_BATCH_SIZE,
        parallel: int = HMAC_PARALLEL_REQUESTS,
    ) -> None:
        self._client = client
        self._key_name = key_name
        self._path = f"/v1/{mount}/hmac/{key_name}/sha2-256"
        self._key_version = key_version
        self._compare_with_latest = key_version is not None
        self._batch_size = batch_size
        self._parallel = parallel

    @property
    def key_version(self) -> int | None:
        """The version every digest was made under; None before an unpinned service's first request."""
        return self._key_version

    def hmac_many(self, values: Sequence[bytes]) -> list[bytes]:
        if values and self._compare_with_latest:
            self._warn_unless_latest()
        return in_batches(values, self._batch_size, self._parallel, self._hmac_batch)

    def _warn_unless_latest(self) -> None:
        self._compare_with_latest = False
        latest = _hmac_version(self._post([self._PROBE], None)[0])
        if self._key_version is not None and latest > self._key_version:
            log.warning(
                "pseudonyms are made under version %d of Transit key '%s' (pinned), while its latest "
                "version is %d: they do not join with pseudonyms made under the latest; moving to it is "
                "a deliberate re-pseudonymization (infra/terraform/README.md, section 6)",
                self._key_version, self._key_name, latest,
            )

    def _hmac_batch(self, values: Sequence[bytes]) -> list[bytes]:
        results = self._post(values, self._key_version)
        versions = {_hmac_version(r) for r in results}
        if self._key_version is None and len(versions) == 1:
            self._key_version = versions.pop()
        elif versions != {self._key_version}:
            raise VaultError(f"Vault answered a keyed-hash batch for key '{self._key_name}' under another "
                             f"version than {self._key_version}")
        return [_strip_vault_prefix(r["hmac"]) for r in results]

    def _post(self, values: Sequence[bytes], key_version: int | None) -> list[dict[str, str]]:
        body: dict[str, object] = {"batch_input": [{"input": base64.b64encode(v).decode("ascii")} for v in values]}
        if key_version is not None:
            body["key_version"] = key_version
        with vault_errors(f"compute keyed hashes with Transit key '{self._key_name}'", self._client.url):
            try:
                response = self._client.adapter.post(self._path, json=body)
            except hvac.exceptions.InvalidRequest as exc:
                if key_version is None or not any(m in str(e) for e in exc.errors or [] for m in self._VERSION_REFUSED):
                    raise
                raise VaultError(
                    f"version {key_version} of Transit key '{self._key_name}' no longer computes "
                    "pseudonyms: Vault has retired it, or has no such version",
                    hint="the data is pinned to it (SECURE_MLOPS_PSEUDONYM_KEY_VERSION, or a release's "
                    "manifest); pseudonyms under another version need a deliberate re-pseudonymization "
                    "(infra/terraform/README.md, section 6)",
                ) from None
        results = response["data"]["batch_results"]
        if len(results) != len(values) or any("error" in r and r["error"] for r in results):
            # Item errors would echo nothing useful without the input, which we must not print.
            raise VaultError(f"Vault rejected part of a keyed-hash batch for key '{self._key_name}'")
        return results


def _hmac_version(result: dict[str, str]) -> int:
    """The key version of one batch result, ``vault:v<N>:<base64>``."""
    return int(result["hmac"].split(":", 2)[1].removeprefix("v"))
