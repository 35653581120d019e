"""Vault (or OpenBao) as the key service: login, Transit keys, and the local development server.

No key leaves Vault but the per-object data keys of envelope encryption (from `datakey` and
`decrypt`), and errors name the action and the address, never a token or a payload. The local
server keeps its root token and unseal key in a 0600 file: for a laptop, never for production.
"""

from secure_mlops.vault.client import connect
from secure_mlops.vault.dev import DevStatus, DevVault, ensure_transit_keys
from secure_mlops.vault.services import data_key_service, manifest_signer, pseudonym_hmac_service, token_service
from secure_mlops.vault.signing import Signer, TransitSigner
from secure_mlops.vault.tokens import TransitTokenService
from secure_mlops.vault.transit import TransitHmacService, TransitKeyService

__all__ = [
    "DevStatus",
    "DevVault",
    "Signer",
    "TransitHmacService",
    "TransitKeyService",
    "TransitSigner",
    "TransitTokenService",
    "connect",
    "data_key_service",
    "ensure_transit_keys",
    "manifest_signer",
    "pseudonym_hmac_service",
    "token_service",
]
