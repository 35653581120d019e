"""What the repository says a deployed environment should look like, read from the same files
Terraform reads: the Vault policies (policies/vault/*.hcl), the Transit keys and their settings
(infra/terraform/modules/vault/main.tf with an environment's terraform.tfvars or the variable's
defaults) and the data-bucket policy template (policies/s3/data-bucket-policy.json.tftpl).

Reading the files rather than restating their values here keeps one source of intent: a change
to a policy or a rotation period in the repository changes what `audit --live` expects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import hcl2

from secure_mlops.config import Settings
from secure_mlops.errors import ConfigError, InputError

# The template placeholders templatefile() fills; our templates use plain ${name} and nothing else.
_PLACEHOLDER: Final = re.compile(r"\$\{([a-z_]+)\}")
_TRANSIT_VARIABLE: Final = re.compile(r"\$\{var\.vault_transit\.([a-z_]+)\}")
DATA_BUCKET_POLICY: Final = Path("policies/s3/data-bucket-policy.json.tftpl")
VAULT_POLICIES: Final = Path("policies/vault")
VAULT_MODULE: Final = Path("infra/terraform/modules/vault/main.tf")
ENVS: Final = Path("infra/terraform/envs")


@dataclass(frozen=True)
class KeyIntent:
    """One Transit key as Terraform creates it. `min_version` is the environment's
    vault_transit.min_version for the key's purpose, which Terraform sets as both
    min_decryption_version and min_encryption_version."""

    purpose: str  # data, pseudonym or signing
    name: str
    type: str
    key_size: int | None
    auto_rotate_period: int  # seconds; 0 means no automatic rotation
    min_version: int


def vault_policy_texts(settings: Settings) -> dict[str, str]:
    """Every Vault policy Terraform writes, by name: one per policies/vault/<name>.hcl (the
    workload roles' and the people's policies are all files there)."""
    folder = settings.project_root / VAULT_POLICIES
    texts = {path.name.removesuffix(".hcl"): _read(path) for path in sorted(folder.glob("*.hcl"))}
    if not texts:
        raise _missing(folder)
    return texts


def parse_vault_policy(text: str) -> dict[str, list[dict[str, Any]]]:
    """A Vault policy as data: path -> its blocks, comments and quoting removed, capability lists
    sorted, so two texts that grant the same compare equal whatever their layout.

    Vault also stores policies written as JSON; those parse too. A path written twice keeps both
    blocks (Vault merges them), in a stable order. Raises ValueError when the text is neither.
    """
    try:
        document = json.loads(text)
    except ValueError:
        try:
            document = hcl2.loads(text)
        except Exception as exc:  # noqa: BLE001 - lark raises several unrelated types
            raise ValueError(f"not HCL or JSON ({type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise ValueError("not an HCL or JSON object")
    blocks = document.get("path", [])
    if isinstance(blocks, dict):  # JSON policies: {"path": {"a/b": {...}}}
        blocks = [blocks]
    rules: dict[str, list[dict[str, Any]]] = {}
    for block in blocks:
        for path, body in block.items():
            if not path.startswith("__"):
                rules.setdefault(_unquote(path), []).append(_clean_hcl(body))
    return {path: sorted(bodies, key=lambda b: json.dumps(b, sort_keys=True)) for path, bodies in sorted(rules.items())}


def env_names(settings: Settings) -> list[str]:
    """The environments infra/terraform/envs defines (dev, prod)."""
    folder = settings.project_root / ENVS
    return sorted(p.name for p in folder.iterdir() if (p / "terraform.tfvars").is_file()) if folder.is_dir() else []


def transit_key_intents(settings: Settings, env: str) -> tuple[KeyIntent, ...]:
    """The three Transit keys as infra/terraform/envs/<env> creates them.

    Types, sizes and which variable gives each rotation period come from the vault module's
    `transit_keys` local; the variable's value from the environment's terraform.tfvars, else its
    default. Names are the application's (settings): the keys it will use are the ones to audit.
    """
    main = _load_hcl(settings.project_root / VAULT_MODULE)
    locals_ = {k: v for block in main.get("locals", []) for k, v in block.items()}
    declared = locals_.get("transit_keys")
    if not isinstance(declared, dict):
        raise ConfigError(f"{VAULT_MODULE} has no transit_keys local to audit the Transit keys against")
    transit = _vault_transit_variable(settings, env)
    names = {"data": settings.data_key_name, "pseudonym": settings.pseudonym_key_name, "signing": settings.signing_key_name}
    intents = []
    for purpose, body in declared.items():
        if purpose.startswith("__"):
            continue
        if purpose not in names:
            raise ConfigError(f"{VAULT_MODULE} declares a Transit key for {purpose!r}, which the application does not use")
        intents.append(KeyIntent(
            purpose=purpose,
            name=names[purpose],
            type=str(_unquote(body["type"])),
            key_size=body.get("key_size"),
            auto_rotate_period=int(_resolve(body["auto_rotate_period"], transit)),
            min_version=int(transit["min_version"][purpose]),
        ))
    return tuple(intents)


def render_template(text: str, values: Mapping[str, str]) -> str:
    """templatefile() for our templates: plain ${name} interpolation. A placeholder without a
    value stays as it is (the caller compares it as "any value")."""
    if "%{" in text:
        raise ConfigError("template directives (%{...}) are not supported in the policy templates")
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def data_bucket_policy_template(settings: Settings) -> str:
    """The data (and audit) bucket policy template, unrendered."""
    return _read(settings.project_root / DATA_BUCKET_POLICY)


def _vault_transit_variable(settings: Settings, env: str) -> dict[str, Any]:
    """var.vault_transit of an environment: its terraform.tfvars, else the variable's default
    (declared once in the vault module and linked into each env as variables-vault.tf)."""
    folder = settings.project_root / ENVS / env
    if not (folder / "terraform.tfvars").is_file():
        known = ", ".join(env_names(settings)) or "none"
        raise InputError(f"no Terraform environment {env!r} under {ENVS}", hint=f"environments: {known}")
    tfvars = _load_hcl(folder / "terraform.tfvars")
    if isinstance(tfvars.get("vault_transit"), dict):
        return tfvars["vault_transit"]
    variables = _load_hcl(folder / "variables-vault.tf")
    for block in variables.get("variable", []):
        for name, body in block.items():
            if _unquote(name) == "vault_transit" and isinstance(body.get("default"), dict):
                return body["default"]
    raise ConfigError(f"{ENVS / env} sets no vault_transit and its variable has no default")


def _resolve(value: Any, transit: Mapping[str, Any]) -> Any:
    """A literal, or `${var.vault_transit.<attribute>}` looked up (the only reference the keys use)."""
    if isinstance(value, str):
        match = _TRANSIT_VARIABLE.fullmatch(value)
        if match is None:
            raise ConfigError(f"{VAULT_MODULE}: cannot evaluate {value!r} (only var.vault_transit.* is understood)")
        return transit[match.group(1)]
    return value


def _clean_hcl(value: Any) -> Any:
    """python-hcl2's output without its bookkeeping (comments, block markers, string quotes)."""
    if isinstance(value, dict):
        return {_unquote(k): _clean_hcl(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        # Every list in a policy is a set to Vault (capabilities, allowed values).
        return sorted((_clean_hcl(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return _unquote(value) if isinstance(value, str) else value


def _unquote(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _load_hcl(path: Path) -> dict[str, Any]:
    try:
        return hcl2.loads(_read(path))
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - lark raises several unrelated types
        raise ConfigError(f"cannot parse {path} as HCL ({type(exc).__name__})") from None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise _missing(path) from None


def _missing(path: Path) -> ConfigError:
    return ConfigError(
        f"cannot read the repository's intent at {path}",
        hint="run from the checkout, or set SECURE_MLOPS_PROJECT_ROOT to it",
    )
