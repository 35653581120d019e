"""The local development Vault's unseal key and root token, kept in a 0600 file.

These are development defaults for a single laptop: a production Vault never stores its unseal
key beside its data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import NoReturn

from secure_mlops.config import clean_credential
from secure_mlops.errors import ConfigError
from secure_mlops.storage import write_atomically

NOTICE = (
    "DEVELOPMENT DEFAULT - the unseal key and root token of the local OpenBao started by "
    "`secure-mlops dev up`. Never use this file, or a Vault set up this way, in production."
)


@dataclass(frozen=True)
class DevCredentials:
    addr: str
    unseal_key: str
    root_token: str

    def __repr__(self) -> str:
        return f"DevCredentials(addr={self.addr!r}, unseal_key=<redacted>, root_token=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("DevCredentials hold secrets and cannot be pickled")


def credentials_path(state_dir: Path) -> Path:
    return state_dir / "vault" / "credentials.json"


def read_dev_credentials(state_dir: Path) -> DevCredentials | None:
    path = credentials_path(state_dir)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        # A hand-edited file may have gained a newline; a token with whitespace inside is damage
        # (clean_credential's ValueError), reported like any other.
        return DevCredentials(addr=raw["addr"], unseal_key=clean_credential(raw["unseal_key"]),
                              root_token=clean_credential(raw["root_token"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise ConfigError(
            f"the development Vault credentials at {path} are unreadable",
            hint="remove the state folder to start over (its data will be lost)",
        ) from None


def write_dev_credentials(state_dir: Path, creds: DevCredentials) -> Path:
    path = credentials_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # The atomic writer creates the file 0600 from the start, and a crash while writing cannot
    # leave a truncated file: without the unseal key the local Vault's data would be lost.
    return write_atomically(path, json.dumps({"notice": NOTICE, **asdict(creds)}, indent=2))
