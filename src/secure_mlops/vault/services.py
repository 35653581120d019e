"""Key services built from settings, for commands and pipeline steps."""

from __future__ import annotations

from secure_mlops.config import Settings, get_settings
from secure_mlops.vault.client import connect
from secure_mlops.vault.signing import TransitSigner
from secure_mlops.vault.tokens import TransitTokenService
from secure_mlops.vault.transit import TransitHmacService, TransitKeyService


def data_key_service(settings: Settings | None = None) -> TransitKeyService:
    s = settings or get_settings()
    return TransitKeyService(connect(s), key_name=s.data_key_name, mount=s.transit_mount)


def pseudonym_hmac_service(settings: Settings | None = None, *, key_version: int | None = None) -> TransitHmacService:
    """Keyed hashes under the pseudonym key, pinned to `key_version` (a release's recorded
    version), else SECURE_MLOPS_PSEUDONYM_KEY_VERSION, else the key's latest at the first request."""
    s = settings or get_settings()
    return TransitHmacService(connect(s), key_name=s.pseudonym_key_name, mount=s.transit_mount,
                              key_version=key_version or s.pseudonym_key_version)


def token_service(settings: Settings | None = None, *, key_version: int | None = None) -> TransitTokenService:
    """Reversible tokens under the token key: encryption for the pipeline and the inference
    service, decryption for the re-identifier role (each Vault policy grants one side).
    Encryption is pinned to `key_version` (a run's or a release's recorded version), else to
    the key's latest at the first request."""
    s = settings or get_settings()
    return TransitTokenService(connect(s), key_name=s.token_key_name, mount=s.transit_mount, key_version=key_version)


def manifest_signer(settings: Settings | None = None) -> TransitSigner:
    s = settings or get_settings()
    return TransitSigner(connect(s), key_name=s.signing_key_name, mount=s.transit_mount)
