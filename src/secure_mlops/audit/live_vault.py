"""The live audit's Vault half: each policy of policies/vault and each Transit key, read from the
server with the audit's token and compared with what Terraform would have written.

Reads only (GET). A read the token may not make is a failed check that names the policy meant to
grant it, not an error: the rest of the audit still runs and the report shows what was unseen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import hvac
import hvac.exceptions

from secure_mlops.audit.intent import KeyIntent, parse_vault_policy, transit_key_intents, vault_policy_texts
from secure_mlops.audit.live_check import LiveCheck, verdict
from secure_mlops.config import Settings
from secure_mlops.errors import ConfigError
from secure_mlops.vault.errors import vault_errors

# The policy whose grants the live audit relies on: its token reads policies and key metadata.
AUDITOR_POLICY: Final = "policies/vault/secure-mlops-auditor.hcl"


@dataclass(frozen=True)
class _Unread:
    """Why a read returned nothing, as the `found` of every check that needed it."""

    why: str


def check_vault(client: hvac.Client, settings: Settings, *, env: str) -> list[LiveCheck]:
    """Every Vault policy and Transit key of the repository against the server `client` talks to.

    Raises VaultError when the audit cannot run at all (Vault unreachable, sealed, or the token
    itself refused); a single refused read is a failed check instead.
    """
    policies = vault_policy_texts(settings)
    keys = transit_key_intents(settings, env)
    with vault_errors("look up the audit's own token", client.url):
        client.auth.token.lookup_self()
    checks = [_check_policy(client, name, text) for name, text in policies.items()]
    for key in keys:
        checks += _check_key(client, settings.transit_mount, key)
    return checks


def _read(client: hvac.Client, path: str) -> dict[str, Any] | _Unread:
    with vault_errors(f"read {path}", client.url):
        try:
            response = client.adapter.get(f"/v1/{path}")
        except hvac.exceptions.InvalidPath:
            return _Unread("does not exist")
        except hvac.exceptions.Forbidden:
            return _Unread(f"cannot be read: permission denied for read on {path} (granted by {AUDITOR_POLICY})")
        if not isinstance(response, dict) or not isinstance(response.get("data"), dict):
            raise hvac.exceptions.UnexpectedError("an answer without data")
        return response["data"]


# --- Policies ----------------------------------------------------------------------------------


def _check_policy(client: hvac.Client, name: str, text: str) -> LiveCheck:
    path = f"sys/policies/acl/{name}"
    try:
        intended = parse_vault_policy(text)
    except ValueError as exc:
        raise ConfigError(f"policies/vault/{name}.hcl cannot be parsed: {exc}") from None
    expected = f"the rules of policies/vault/{name}.hcl ({len(intended)} paths)"
    data = _read(client, path)
    if isinstance(data, _Unread):
        found = f"the policy {data.why}"
    else:
        try:
            found = _policy_difference(intended, parse_vault_policy(str(data.get("policy", ""))))
        except ValueError as exc:
            found = f"rules that cannot be parsed: {exc}"
    ok = found.startswith("the same rules")
    return LiveCheck("vault-policy", f"Vault policy {name} is the repository's", f"vault:{path}",
                     verdict(ok), expected, found, "least-privilege-vault")


def _policy_difference(intended: dict[str, list[Any]], live: dict[str, list[Any]]) -> str:
    """'the same rules' or each path that is missing, extra or different, in path order."""
    differences = []
    for path in sorted(intended.keys() | live.keys()):
        if path not in live:
            differences.append(f"missing path {path}")
        elif path not in intended:
            differences.append(f"extra path {path}: {_compact(live[path])}")
        elif intended[path] != live[path]:
            differences.append(f"path {path} has {_compact(live[path])} instead of {_compact(intended[path])}")
    return "; ".join(differences) if differences else f"the same rules ({len(live)} paths)"


def _compact(bodies: list[Any]) -> str:
    return ", ".join(json.dumps(body, sort_keys=True, separators=(",", ":")) for body in bodies)


# --- Transit keys ------------------------------------------------------------------------------

# id, title, what Terraform sets, what the key's metadata says, and whether that is right (None:
# when the two sentences are equal, so `found` words a correct setting exactly as `expected`).
_KeyRule = tuple[str, str, Callable[[KeyIntent], str], Callable[[dict[str, Any]], str],
                 Callable[[dict[str, Any]], bool] | None]


def _flag(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: f"{name} {str(bool(data.get(name))).lower()}"


def _type(key: KeyIntent) -> str:
    return f"type {key.type}" + (f", {key.key_size}-byte key" if key.key_size else "")


def _found_type(key: KeyIntent) -> Callable[[dict[str, Any]], str]:
    def found(data: dict[str, Any]) -> str:
        # Vault reports key_size only for the key types that have a chosen size (hmac).
        size = data.get("key_size") if key.key_size else None
        return f"type {data.get('type')}" + (f", {size}-byte key" if size else "")
    return found


def _period(seconds: object) -> str:
    if seconds in (0, None):
        return "auto_rotate_period 0 (no automatic rotation)"
    if isinstance(seconds, int):
        return f"auto_rotate_period {seconds} s ({seconds / 86400:g} days)"
    return f"auto_rotate_period {seconds}"


def _versions(key: KeyIntent) -> str:
    return (f"min_decryption_version {key.min_version}, min_encryption_version {key.min_version} "
            "(Terraform's min_version), not above latest_version")


def _found_versions(data: dict[str, Any]) -> str:
    return (f"min_decryption_version {data.get('min_decryption_version')}, "
            f"min_encryption_version {data.get('min_encryption_version')}, latest_version {data.get('latest_version')}")


def _versions_fit(key: KeyIntent) -> Callable[[dict[str, Any]], bool]:
    def fit(data: dict[str, Any]) -> bool:
        latest = data.get("latest_version")
        return (data.get("min_decryption_version") == data.get("min_encryption_version") == key.min_version
                and isinstance(latest, int) and key.min_version <= latest)
    return fit


def _rules(key: KeyIntent) -> list[_KeyRule]:
    return [
        ("vault-key-type", "Transit key has the intended type", _type, _found_type(key), None),
        ("vault-key-exportable", "Transit key material cannot be exported",
         lambda _: "exportable false", _flag("exportable"), None),
        ("vault-key-deletion", "Transit key cannot be deleted",
         lambda _: "deletion_allowed false", _flag("deletion_allowed"), None),
        ("vault-key-plaintext-backup", "Transit key cannot be backed up in plaintext",
         lambda _: "allow_plaintext_backup false", _flag("allow_plaintext_backup"), None),
        ("vault-key-rotation", "Transit key rotates as Terraform sets it",
         lambda k: _period(k.auto_rotate_period), lambda data: _period(_seconds(data.get("auto_rotate_period"))), None),
        ("vault-key-versions", "Transit key's usable versions are Terraform's", _versions, _found_versions,
         _versions_fit(key)),
    ]


def _check_key(client: hvac.Client, mount: str, key: KeyIntent) -> list[LiveCheck]:
    path = f"{mount}/keys/{key.name}"
    data = _read(client, path)
    # The signing key's settings are what makes a release signature trustworthy.
    control = "signed-provenance" if key.purpose == "signing" else "key-lifecycle"
    checks = []
    for check_id, title, expect, find, fits in _rules(key):
        expected = expect(key)
        if isinstance(data, _Unread):
            found, ok = f"the key {data.why}", False
        else:
            found = find(data)
            ok = fits(data) if fits is not None else found == expected
        checks.append(LiveCheck(check_id, f"{title} ({key.purpose})", f"vault:{path}", verdict(ok), expected, found, control))
    return checks


def _seconds(value: object) -> object:
    """auto_rotate_period in seconds: Vault answers a number; some versions a duration string."""
    if isinstance(value, str):
        units = {"s": 1, "m": 60, "h": 3600}
        try:
            return int(value[:-1]) * units[value[-1]] if value and value[-1] in units else int(value)
        except ValueError:
            return value
    return value
