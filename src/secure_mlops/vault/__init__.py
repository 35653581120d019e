"""Vault (or OpenBao) as the key service: login, Transit keys, and the local development server."""

from secure_mlops.vault.client import connect
from secure_mlops.vault.dev import DevStatus, DevVault, ensure_transit_keys
from secure_mlops.vault.services import data_key_service, manifest_signer, pseudonym_hmac_service
from secure_mlops.vault.signing import Signer, TransitSigner
from secure_mlops.vault.transit import TransitHmacService, TransitKeyService

__all__ = [
    "DevStatus",
    "DevVault",
    "Signer",
    "TransitHmacService",
    "TransitKeyService",
    "TransitSigner",
    "connect",
    "data_key_service",
    "ensure_transit_keys",
    "manifest_signer",
    "pseudonym_hmac_service",
]
