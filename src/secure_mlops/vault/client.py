"""An authenticated hvac client for any Vault: token, AppRole or Kubernetes service-account auth."""

from __future__ import annotations

import hvac

from secure_mlops.config import Settings, clean_credential, get_settings
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.vault.credentials import read_dev_credentials
from secure_mlops.vault.dev import DevVault
from secure_mlops.vault.errors import vault_errors


def connect(settings: Settings | None = None) -> hvac.Client:
    """Log in with the method named by SECURE_MLOPS_VAULT_AUTH and return the client.

    With token auth and no VAULT_TOKEN, the local development Vault's root token is used when
    VAULT_ADDR points at it, so `secure-mlops dev up` is all a laptop needs.
    """
    s = settings or get_settings()
    client = hvac.Client(
        url=s.vault_addr,
        namespace=s.vault_namespace,
        verify=str(s.vault_cacert) if s.vault_cacert else True,
        timeout=s.vault_timeout_seconds,
    )
    if s.vault_auth == "token":
        client.token = _token(s)
    elif s.vault_auth == "approle":
        if not (s.vault_approle_role_id and s.vault_approle_secret_id):
            raise ConfigError(
                "AppRole auth needs a role id and a secret id",
                hint="set SECURE_MLOPS_VAULT_APPROLE_ROLE_ID and SECURE_MLOPS_VAULT_APPROLE_SECRET_ID",
            )
        with vault_errors("log in with AppRole", s.vault_addr):
            client.auth.approle.login(
                role_id=s.vault_approle_role_id,
                secret_id=s.vault_approle_secret_id.get_secret_value(),
                mount_point=s.vault_approle_mount,
            )
    else:
        client.token = _kubernetes_login(client, s)
    return client


def _token(s: Settings) -> str:
    if s.vault_token is not None:
        return s.vault_token.get_secret_value()
    dev = read_dev_credentials(s.state_dir)
    if dev is not None and dev.addr == s.vault_addr:
        # Another folder's server on the port would refuse this root token as "permission denied".
        owner = DevVault(s).foreign_owner()
        if owner is not None:
            raise VaultError(
                f"port {s.dev_vault_port} on 127.0.0.1 is used by {owner}, not by the local dev Vault "
                f"of {s.state_dir}",
                hint="use that SECURE_MLOPS_STATE_DIR, stop that Vault (`secure-mlops dev down` with its "
                "state folder), or choose another SECURE_MLOPS_DEV_VAULT_PORT",
            )
        return dev.root_token
    raise ConfigError(
        f"no Vault token for {s.vault_addr}",
        hint="set VAULT_TOKEN, choose another SECURE_MLOPS_VAULT_AUTH, or run `secure-mlops dev up`",
    )


def _kubernetes_login(client: hvac.Client, s: Settings) -> str:
    if not s.vault_kubernetes_role:
        raise ConfigError(
            "Kubernetes auth needs a Vault role", hint="set SECURE_MLOPS_VAULT_KUBERNETES_ROLE"
        )
    path = s.vault_kubernetes_jwt_path
    try:
        jwt = clean_credential(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise ConfigError(
            f"cannot read the service-account token at {path}",
            hint="run in a pod with a projected token, or set SECURE_MLOPS_VAULT_KUBERNETES_JWT_PATH",
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"the service-account token at {path} (SECURE_MLOPS_VAULT_KUBERNETES_JWT_PATH) is not a "
            f"token: {exc}"
        ) from None
    with vault_errors("log in with the Kubernetes service-account token", s.vault_addr):
        response = client.auth.kubernetes.login(
            role=s.vault_kubernetes_role, jwt=jwt, mount_point=s.vault_kubernetes_mount
        )
    return str(response["auth"]["client_token"])
