"""The life of a Transit key's versions: rotate, retire (min_decryption_version), shred (trim).

Two policies split the work on purpose (policies/vault/): the operator rotates and retires,
which is reversible; the key shredder trims, which destroys versions, and every data key wrapped
under them, for good. A refusal names the policy the step needs, so the person holding the other
one knows to hand over instead of asking for broader rights.

Retiring sets min_decryption_version and min_encryption_version together, as Terraform's
`vault_transit.min_version` does: Vault trims only up to both, and a later `terraform apply`
resets whatever it does not know about (infra/terraform/README.md, sections 6 and 7).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import hvac
import hvac.exceptions

from secure_mlops.config import Settings
from secure_mlops.crypto.keys import is_key_name
from secure_mlops.errors import InputError, VaultError
from secure_mlops.vault.errors import vault_errors

KeyRole = Literal["data", "pseudonym", "signing"]
KEY_ROLES: tuple[KeyRole, ...] = ("data", "pseudonym", "signing")

Policy = Literal["operator", "key-shredder"]
_POLICY_FILES: dict[Policy, str] = {
    "operator": "secure-mlops-operator (policies/vault/secure-mlops-operator.hcl)",
    "key-shredder": "secure-mlops-key-shredder (policies/vault/secure-mlops-key-shredder.hcl), "
    "a break-glass identity other than the operator",
}


@dataclass(frozen=True)
class KeyVersions:
    """What Vault says about a key's versions; no key material."""

    name: str
    latest: int
    min_decryption: int
    min_encryption: int  # 0: Vault's "the latest", which keeps it from trimming at all
    min_available: int  # 0 until trimmed; versions below it are gone for good
    readable: tuple[int, ...]  # what Vault lists: from min_decryption_version on, not what it still holds


def resolve_key_name(key: str, settings: Settings) -> str:
    """`data`, `pseudonym` or `signing` as configured (SECURE_MLOPS_*_KEY_NAME), else `key` itself."""
    names = {"data": settings.data_key_name, "pseudonym": settings.pseudonym_key_name,
             "signing": settings.signing_key_name}
    name = names.get(key, key)
    if not is_key_name(name):
        raise InputError(f"{key!r} is not a Transit key name",
                         hint=f"use one of {', '.join(KEY_ROLES)}, or a key name of letters, digits, '-', '_' and '.'")
    return name


def read_key_versions(client: hvac.Client, key_name: str, *, mount: str = "transit",
                      policy: Policy = "operator") -> KeyVersions:
    with _errors(client, f"read Transit key '{key_name}'", policy):
        data = client.secrets.transit.read_key(key_name, mount_point=mount)["data"]
    readable = tuple(sorted(int(v) for v in data.get("keys", {})))
    return KeyVersions(
        name=key_name,
        latest=int(data["latest_version"]),
        min_decryption=int(data.get("min_decryption_version") or 1),
        min_encryption=int(data.get("min_encryption_version") or 0),
        min_available=int(data.get("min_available_version") or 0),
        readable=readable,
    )


def rotate_key(client: hvac.Client, key_name: str, *, mount: str = "transit") -> KeyVersions:
    """Add a version; new data keys, hashes and signatures use it from now on. Older versions
    keep working until retired."""
    with _errors(client, f"rotate Transit key '{key_name}'", "operator"):
        client.secrets.transit.rotate_key(key_name, mount_point=mount)
    return read_key_versions(client, key_name, mount=mount)


def retire_versions(client: hvac.Client, key_name: str, below: int, *, mount: str = "transit") -> tuple[KeyVersions, bool]:
    """Make Vault refuse versions below `below` (reversible: lower it again to undo).

    Returns the key's state and whether anything changed (False: already retired that far).
    Never lowers the minimums: undoing a retirement is a deliberate change in Terraform.
    """
    before = read_key_versions(client, key_name, mount=mount)
    _check_below(before, below)
    if before.min_decryption >= below and before.min_encryption >= below:
        return before, False
    # Both at once, as Terraform's provider posts them (hvac's helper refuses equal values).
    target = {"min_decryption_version": max(below, before.min_decryption),
              "min_encryption_version": max(below, before.min_encryption)}
    with _errors(client, f"set min_decryption_version of Transit key '{key_name}'", "operator"):
        client.adapter.post(f"/v1/{mount}/keys/{key_name}/config", json=target)
    return read_key_versions(client, key_name, mount=mount), True


def shred_versions(client: hvac.Client, key_name: str, below: int, *, mount: str = "transit",
                   signing_key_name: str | None = None) -> tuple[KeyVersions, tuple[int, ...]]:
    """Delete versions below `below` from Vault for good (crypto-shredding); returns the key's
    state and the versions destroyed (empty: already trimmed that far).

    Refused unless they are retired first (`retire_versions`): the retirement is the reversible
    checkpoint where a forgotten object still can be re-wrapped.
    """
    if signing_key_name is not None and key_name == signing_key_name:
        raise InputError(f"the signing key '{key_name}' is never shredded: every manifest signed under the "
                         "destroyed versions would become unverifiable")
    before = read_key_versions(client, key_name, mount=mount, policy="key-shredder")
    _check_below(before, below)
    if before.min_available >= below:
        return before, ()
    if before.min_decryption < below or before.min_encryption < below:
        raise VaultError(
            f"versions below {below} of Transit key '{key_name}' are not retired yet "
            f"(min_decryption_version {before.min_decryption}, min_encryption_version {before.min_encryption})",
            hint=f"an operator retires them first: `secure-mlops keys retire --key {key_name} --below {below}` "
            "(and the same min_version in Terraform), then checks that what must survive still reads",
        )
    with _errors(client, f"trim Transit key '{key_name}'", "key-shredder"):
        client.adapter.post(f"/v1/{mount}/keys/{key_name}/trim", json={"min_available_version": below})
    after = read_key_versions(client, key_name, mount=mount, policy="key-shredder")
    return after, tuple(range(max(before.min_available, 1), min(below, max(after.min_available, 1))))


def _check_below(key: KeyVersions, below: int) -> None:
    if below < 2:
        raise InputError(f"--below must be at least 2 (got {below}): version 1 is the oldest there is")
    if below > key.latest:
        raise InputError(
            f"Transit key '{key.name}' has no version {below}: its latest is {key.latest}",
            hint="rotate first (`secure-mlops keys rotate`), so the version that stays exists",
        )


@contextmanager
def _errors(client: hvac.Client, action: str, policy: Policy) -> Iterator[None]:
    """vault_errors, with a refusal naming the policy that grants `action`."""
    with vault_errors(action, client.url):
        try:
            yield
        except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
            raise VaultError(f"Vault refused to {action}: permission denied",
                             hint=f"this needs a token with the policy {_POLICY_FILES[policy]}") from None
