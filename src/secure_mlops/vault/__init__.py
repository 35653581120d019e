"""Vault (or OpenBao) as the key service: login, Transit keys, and the local development server."""

from secure_mlops.vault.client import connect
from secure_mlops.vault.dev import DevStatus, DevVault, ensure_transit_keys
from secure_mlops.vault.transit import TransitHmacService, TransitKeyService

__all__ = [
    "DevStatus",
    "DevVault",
    "TransitHmacService",
    "TransitKeyService",
    "connect",
    "ensure_transit_keys",
]
