"""Reversible tokens: a direct identifier replaced by its convergent encryption under Vault Transit.

Unlike a pseudonym (a keyed hash, one-way), a token can be turned back into the value, by Vault
only, for the re-identifier role alone (`secure-mlops detokenize`, policies/vault/
secure-mlops-reidentifier.hcl). The pipeline may make tokens but never read them back.

Determinism: the token key is derived and convergent (Transit `derived`, `convergent_encryption`),
so one value under one context always encrypts to one ciphertext: equal values give equal tokens
and joins on the column keep working. The context is the contract's name and the column's name
(`token_context`), so the same value in two columns, or in two contracts' datasets, gives unrelated
tokens, and a token of one column does not decrypt as another's.

What is encrypted is the canonical text of pseudonymization (Unicode NFC, surrounding whitespace
trimmed, integers in decimal), so values that pseudonymize alike tokenize alike.

Format: ``tok1_v<key version>_<ciphertext in unpadded base64url>``. The prefix makes tokens
recognizable (log redaction, validation's pattern, a human reading a file); base64url and `_`
keep them safe in URLs, CSV and file names, which Vault's ``vault:v1:<base64>`` is not.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from typing import Final, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from secure_mlops.errors import InputError, SecureMlopsError
from secure_mlops.privacy.pseudonymize import canonical_text

TOKEN_PREFIX: Final = "tok1_"  # noqa: S105 - a format marker, not a secret
# \Z, not $: Python's $ also matches before a trailing newline.
TOKEN_PATTERN: Final = r"^tok1_v[1-9][0-9]*_[A-Za-z0-9_-]+\Z"  # noqa: S105 - a pattern
_TOKEN: Final = re.compile(TOKEN_PATTERN)
_VAULT_CIPHERTEXT: Final = re.compile(r"vault:v([1-9][0-9]*):([A-Za-z0-9+/]+={0,2})\Z")
CONTEXT_LABEL: Final = b"secure-mlops token context\x00"


class TokenService(Protocol):
    """Deterministic encryption under a key that stays in the key service (Vault Transit).

    Implementations batch internally; callers pass as many values as they like.
    """

    def encrypt_many(self, values: Sequence[bytes], context: bytes) -> list[str]:
        """Vault ciphertexts (``vault:v<N>:<base64>``), in the order of `values`."""
        ...

    def decrypt_many(self, ciphertexts: Sequence[str], context: bytes) -> list[bytes]:
        """The plaintexts, in the order of `ciphertexts`."""
        ...


def token_context(contract_name: str, column: str) -> bytes:
    """The key-derivation context of a column's tokens: a label, the contract's UTF-8 length as
    4 bytes big-endian, the contract's name, then the column's name. The length keeps "a/b" + "c"
    and "a" + "b/c" apart."""
    name = contract_name.encode("utf-8")
    return CONTEXT_LABEL + len(name).to_bytes(4, "big") + name + column.encode("utf-8")


def to_token(ciphertext: str) -> str:
    """Vault's ``vault:v<N>:<base64>`` as a token."""
    match = _VAULT_CIPHERTEXT.fullmatch(ciphertext)
    if match is None:
        raise SecureMlopsError("the token service returned something that is not a Vault ciphertext")
    raw = base64.b64decode(match.group(2), validate=True)
    return f"{TOKEN_PREFIX}v{match.group(1)}_{base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')}"


def is_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


def to_ciphertext(token: str) -> str:
    """A token as the Vault ciphertext it stands for; InputError (naming no part of it) when it
    is not a token."""
    if not is_token(token):
        raise InputError("not a token (tok1_v<N>_<base64url>)")
    version, body = token.removeprefix(TOKEN_PREFIX).split("_", 1)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise InputError("not a token: its ciphertext is not base64url") from None
    return f"vault:{version}:{base64.b64encode(raw).decode('ascii')}"


class Tokenizer:
    """Tokenizes one contract's columns through a `TokenService`, each distinct value of a batch
    sent once."""

    def __init__(self, service: TokenService, *, contract_name: str) -> None:
        self._service = service
        self._contract_name = contract_name

    def __repr__(self) -> str:
        return f"Tokenizer(contract={self._contract_name!r})"

    def for_column(self, column: str) -> TokenizeColumn:
        return TokenizeColumn(self._service, token_context(self._contract_name, column))


class TokenizeColumn:
    """The transform of one column: values in, tokens out (a string array; nulls stay null)."""

    def __init__(self, service: TokenService, context: bytes) -> None:
        self._service = service
        self._context = context

    def __call__(self, values: pa.Array) -> pa.Array:
        encoded = canonical_text(values).dictionary_encode()
        distinct: list[bytes] = encoded.dictionary.cast(pa.binary()).to_pylist()
        ciphertexts = self._service.encrypt_many(distinct, self._context) if distinct else []
        if len(ciphertexts) != len(distinct):
            raise SecureMlopsError(f"the token service returned {len(ciphertexts)} tokens for {len(distinct)} values")
        tokens = pa.array([to_token(c) for c in ciphertexts], type=pa.string())
        return pc.take(tokens, encoded.indices)


def detokenize(tokens: Sequence[str], service: TokenService, *, contract_name: str, column: str) -> list[str]:
    """The values of tokens made for `column` of the contract `contract_name`, as text.

    InputError naming the line (1-based), never its content, for a line that is not a token.
    """
    ciphertexts = []
    for line, token in enumerate(tokens, start=1):
        try:
            ciphertexts.append(to_ciphertext(token))
        except InputError as exc:
            raise InputError(f"line {line}: {exc}") from None
    if not ciphertexts:
        return []
    plaintexts = service.decrypt_many(ciphertexts, token_context(contract_name, column))
    if len(plaintexts) != len(ciphertexts):
        raise SecureMlopsError(f"the token service returned {len(plaintexts)} values for {len(ciphertexts)} tokens")
    return [p.decode("utf-8") for p in plaintexts]
