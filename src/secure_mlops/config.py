"""All configuration in one place.

Project settings use the prefix ``SECURE_MLOPS_`` (for example ``SECURE_MLOPS_STATE_DIR``). The
Vault ecosystem's own variables are honoured as they are: ``VAULT_ADDR``, ``VAULT_TOKEN``,
``VAULT_NAMESPACE``, ``VAULT_CACERT``. AWS settings (``AWS_*``, ``AWS_ENDPOINT_URL``) are read by
boto3 itself, so they are not repeated here. Secrets have no default.

Settings are checked when they are read, before any work: a malformed `VAULT_ADDR`, a
`VAULT_CACERT` that is not a readable file, or a credential with whitespace inside is a
`ConfigError` naming the variable, never its value.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from secure_mlops.errors import ConfigError

ENV_PREFIX = "SECURE_MLOPS_"
# The identity Terraform binds to the pipeline's IAM role and Vault role: a run under any other
# account (the profile's default-editor, when a UI upload does not choose one) is refused both.
PIPELINE_SERVICE_ACCOUNT = "secure-mlops-pipeline"
MIB = 1024 * 1024


def _default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "secure-mlops"


def _default_project_root() -> Path:
    """The checkout this package runs from (editable install), else the working directory (the
    image's WORKDIR holds policies/, k8s/ and services/)."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "k8s").is_dir() else Path.cwd()


def _both(name: str) -> AliasChoices:
    """Accept the ecosystem's variable and the prefixed one (the ecosystem's wins)."""
    return AliasChoices(name, ENV_PREFIX + name)


def _invalid(reason: str) -> PydanticCustomError:
    # A custom error's message is ours alone: pydantic adds neither "Value error," nor the input.
    return PydanticCustomError("setting", reason)


def clean_credential(value: str) -> str:
    """A token or secret id with the surrounding whitespace `echo` and files add stripped.

    Whitespace, control or non-ASCII characters inside are refused (ValueError, naming no part of
    the value): no Vault credential holds one, and sent as an HTTP header it would make the client
    fail with the whole value in its message.
    """
    clean = value.strip()
    if not clean.isascii() or any(not c.isprintable() or c.isspace() for c in clean):
        raise ValueError("it has whitespace, a control character or a non-ASCII character inside; "
                         "a Vault credential has none")
    return clean


def check_vault_addr(addr: str) -> str:
    """`addr` when it is an http:// or https:// URL with a host and a port from 1 to 65535."""
    try:
        parts = urlsplit(addr)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError:
        parts, port = None, None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname
            or port == 0 or any(c.isspace() for c in addr)):
        raise ValueError("must be an http:// or https:// URL with a host and, optionally, a port "
                         "from 1 to 65535, such as https://vault.example.org:8200")
    return addr


def cluster_vault_addr(addr: str) -> str:
    """The address pipeline pods reach Vault at: `check_vault_addr`'s rules, https only (the pods
    send credentials to it), without a trailing slash."""
    check_vault_addr(addr)
    if not addr.startswith("https://"):
        raise ValueError("must be an https:// URL: the pods send their credentials to it")
    return addr.rstrip("/")


class Settings(BaseSettings):
    """Typed settings read from the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    project_root: Path = Field(
        default_factory=_default_project_root,
        description="Folder holding policies/, k8s/ and services/ (the kustomize base and the bento's service).",
    )
    state_dir: Path = Field(
        default_factory=_default_state_dir,
        description="Where the local Vault keeps its storage and credentials.",
    )

    # Unset means the local development Vault (`secure-mlops dev up`) on dev_vault_port.
    vault_addr: str = Field("", validation_alias=_both("VAULT_ADDR"))
    vault_token: SecretStr | None = Field(None, validation_alias=_both("VAULT_TOKEN"))
    vault_namespace: str | None = Field(None, validation_alias=_both("VAULT_NAMESPACE"))
    vault_cacert: Path | None = Field(None, validation_alias=_both("VAULT_CACERT"))
    vault_timeout_seconds: float = Field(10.0, gt=0)
    vault_auth: Literal["token", "approle", "kubernetes"] = "token"
    vault_approle_mount: str = "approle"
    vault_approle_role_id: str | None = None
    vault_approle_secret_id: SecretStr | None = None
    vault_kubernetes_mount: str = "kubernetes"
    vault_kubernetes_role: str | None = None
    vault_kubernetes_jwt_path: Path = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")

    transit_mount: str = "transit"
    data_key_name: str = "secure-mlops-data"
    pseudonym_key_name: str = "secure-mlops-pseudonym"
    pseudonym_key_version: int | None = Field(
        None, ge=1, description="Version of the pseudonym key every keyed hash pins; default: the key's "
        "latest when a run starts. Another version gives every value another pseudonym.",
    )
    signing_key_name: str = "secure-mlops-signing"
    token_key_name: str = Field(
        "secure-mlops-token", description="Derived, convergent Transit key of reversible tokens (contract action "
        "`tokenize`): the pipeline encrypts with it, only the re-identifier role decrypts.",
    )

    dev_vault_port: int = Field(8200, ge=1024, le=65534)

    chunk_size: int = Field(MIB, ge=4096, le=64 * MIB)
    scratch_dir: Path | None = Field(
        None, description="Where plaintext is staged while a step runs; default /dev/shm (memory) if usable."
    )

    # The inference service (`secure-mlops serve`, the Kubernetes Deployment). Limits hold per
    # worker process: a pod with N workers allows N times the rate.
    serving_token_file: Path | None = Field(
        None, description="Hashes of the API tokens (JSON, 0600); default <state dir>/serving/tokens.json. "
        "On a cluster: the mounted Secret's file.",
    )
    serving_max_body_bytes: int = Field(64 * 1024, ge=1024, le=16 * MIB,
                                        description="Largest request body; larger ones get 413.")
    serving_rate_per_second: float = Field(20.0, gt=0, description="Sustained requests per second per token.")
    serving_burst: int = Field(40, ge=1, description="Requests a token may send at once above the rate.")
    serving_daily_budget: int = Field(
        50_000, ge=1, description="Queries per token per UTC day (extraction and membership attacks need many)."
    )
    serving_max_batch: int = Field(100, ge=1, le=10_000, description="Most records in one batch request.")
    serving_output: Literal["label-and-score", "label"] = Field(
        "label-and-score", description="What a prediction returns; never the probability vector."
    )
    serving_score_decimals: int = Field(1, ge=0, le=3, description="Decimals of the returned score.")
    serving_drift_window: int = Field(
        500, ge=50, description="Recent records per worker compared with the training profile for drift (PSI)."
    )

    audit_store: str = Field(
        "", description="Where run records are appended and `audit runs` reads them: an s3:// prefix (the "
        "object-locked audit bucket) or a folder; default <state dir>/audit-store.",
    )

    serving_tls_cert: Path | None = Field(None, description="Certificate (PEM) to serve HTTPS with.")
    serving_tls_key: Path | None = Field(None, description="Private key (PEM) of the TLS certificate.")

    @field_validator("vault_token", "vault_approle_secret_id", mode="before")
    @classmethod
    def _clean_secret(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str):
            return value
        try:
            # Empty counts as unset, as for the Vault CLI (`VAULT_TOKEN= cmd`).
            return clean_credential(value) or None
        except ValueError as exc:
            raise _invalid(str(exc)) from None

    @field_validator("vault_approle_role_id", mode="before")
    @classmethod
    def _clean_role_id(cls, value: object) -> object:
        return cls._clean_secret(value)

    @field_validator("vault_addr")
    @classmethod
    def _check_vault_addr(cls, value: str) -> str:
        try:
            return check_vault_addr(value) if value else value
        except ValueError as exc:
            raise _invalid(str(exc)) from None

    @field_validator("vault_cacert")
    @classmethod
    def _check_vault_cacert(cls, value: Path | None) -> Path | None:
        # Checked here, not when Vault is first called: requests would fail deep inside a
        # command, after it has started writing, with an error that names nothing.
        if value is not None and not (value.is_file() and os.access(value, os.R_OK)):
            raise _invalid("must name a readable CA certificate file (PEM)")
        return value

    @property
    def token_file(self) -> Path:
        return self.serving_token_file or self.state_dir / "serving" / "tokens.json"

    @property
    def audit_store_uri(self) -> str:
        return self.audit_store or str(self.state_dir / "audit-store")

    @model_validator(mode="after")
    def _default_vault_addr(self) -> Settings:
        self.vault_addr = (self.vault_addr or self.dev_vault_addr).rstrip("/")
        return self

    @property
    def dev_vault_addr(self) -> str:
        return f"http://127.0.0.1:{self.dev_vault_port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, validated once; bad values become a ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        # Report which setting is wrong, never its value (it may be a secret).
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "settings"
        raise ConfigError(
            f"invalid setting {_variable(field)}: {first['msg']}",
            hint="fix the environment variable or unset it to use the default",
        ) from None


def _variable(loc: str) -> str:
    """The environment variable behind an error's location: a field name, or the alias it was read
    under (Vault's own name, or the prefixed one)."""
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        names = [n for n in alias.choices if isinstance(n, str)] if isinstance(alias, AliasChoices) else []
        if loc == name or loc in names:
            return next((n for n in names if n in os.environ), names[0]) if names else ENV_PREFIX + name.upper()
    return ENV_PREFIX + loc.upper()
