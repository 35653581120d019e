"""Turn hvac and transport failures into VaultError with a message a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import hvac.exceptions
import requests

from secure_mlops.errors import VaultError


@contextmanager
def vault_errors(action: str, addr: str) -> Iterator[None]:
    """Wrap a block of Vault calls. `action` names what was being done, e.g. 'unwrap a data key'.

    hvac's messages carry the request URL, never a token or payload; still, only our own words
    reach the user, so a future hvac message can't leak anything.
    """
    try:
        yield
    except requests.exceptions.ConnectionError:
        raise VaultError(
            f"cannot reach Vault at {addr} to {action}",
            hint="start the local one with `secure-mlops dev up`, or set VAULT_ADDR",
        ) from None
    except requests.exceptions.Timeout:
        raise VaultError(f"Vault at {addr} did not answer in time to {action}") from None
    except hvac.exceptions.VaultDown:
        raise VaultError(
            f"Vault at {addr} is sealed; cannot {action}",
            hint="unseal it (`secure-mlops dev up` unseals the local one)",
        ) from None
    except (hvac.exceptions.Forbidden, hvac.exceptions.Unauthorized):
        raise VaultError(
            f"Vault refused to {action}: permission denied",
            hint="check that the token's policy grants this path (see policies/vault/)",
        ) from None
    except hvac.exceptions.InvalidPath:
        raise VaultError(
            f"Vault has no such path; cannot {action}",
            hint="is the Transit engine enabled and the key created? `secure-mlops dev up` does both locally",
        ) from None
    except hvac.exceptions.VaultError as exc:
        raise VaultError(f"Vault could not {action}: {_first_error(exc)}") from None


def _first_error(exc: hvac.exceptions.VaultError) -> str:
    errors = getattr(exc, "errors", None) or []
    text = str(errors[0]) if errors else type(exc).__name__
    # Vault's own error strings are short and value-free ("encryption key not found"); cut any
    # trailing ", on post http://..." hvac appends.
    return text.split(", on ")[0]
