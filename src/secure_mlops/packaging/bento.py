"""Build the inference bento, digest it, and read which model it serves.

BentoML refuses files from outside the build context, and the service needs the secure_mlops
package inside the image. So the build runs in a temporary context holding the service folder
and a copy of the package (whichever is installed, so this works from a checkout and from the
pipeline image alike); the checkout is never written to.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata as dist_metadata
from pathlib import Path
from typing import Any

import yaml

import secure_mlops
from secure_mlops.digest import canonical_json, file_sha256, sha256_digest
from secure_mlops.errors import ConfigError, InputError, IntegrityError
from secure_mlops.packaging.home import use_bentoml_home
from secure_mlops.packaging.layout import (
    BENTO_MODELS_DIR,
    BENTO_SOURCE_DIR,
    CONTRACT_FILE,
    MANIFEST_FILE,
    MODEL_TAG_ENV,
    PROFILE_FILE,
    RELEASE_DIR,
    SBOM_FILE,
)
from secure_mlops.storage import read_file, write_atomically


def default_service_dir() -> Path:
    from secure_mlops.config import get_settings

    return get_settings().project_root / "services" / "inference"


BENTOFILE = "bentofile.yaml"
BENTO_YAML = "bento.yaml"
_SKIP = {"__pycache__"}
_MANIFEST_IN_BENTO = f"{BENTO_SOURCE_DIR}/{RELEASE_DIR}/{MANIFEST_FILE}"
_SBOM_IN_BENTO = f"{BENTO_SOURCE_DIR}/{RELEASE_DIR}/{SBOM_FILE}"
_BARE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class BuiltBento:
    tag: str
    """``name:version`` in BentoML's bento store."""
    digest: str
    """`bento_digest` of `path`."""
    path: Path
    model_tag: str
    """The exact model version the bento serves."""


def build_bento(
    model_tag: str,
    *,
    contract_file: Path,
    profile_file: Path,
    service_dir: Path | None = None,
    version: str | None = None,
    sbom_file: Path | None = None,
) -> BuiltBento:
    """Build the bento of `service_dir/bentofile.yaml` serving `model_tag` (which must be in the
    local model store; ``name:latest`` is resolved to its version), carrying the data contract and
    the training profile the service derives its input schema and drift baseline from, and
    `sbom_file` (the inference image's SBOM, see `bento_sbom`) when given. Works offline: a bento
    build only copies files and writes requirements, it installs nothing."""
    service_dir = Path(service_dir) if service_dir is not None else default_service_dir()
    if not (service_dir / BENTOFILE).is_file():
        raise ConfigError(f"no {BENTOFILE} in {service_dir}")
    home = use_bentoml_home()
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    try:
        model = bentoml.models.get(model_tag)
    except NotFound:
        raise InputError(
            f"model {model_tag} is not in the BentoML store at {home}", hint="package it first"
        ) from None
    except (BentoMLException, ValueError) as exc:
        raise InputError(f"invalid model tag {model_tag!r}: {exc}") from None
    exact_tag = str(model.tag)

    with tempfile.TemporaryDirectory(prefix="secure-mlops-bento-") as ctx:
        _stage(service_dir, Path(ctx), exact_tag)
        _stage_release(Path(ctx), contract_file, profile_file, sbom_file)
        # The service declares its model from this variable when BentoML imports it.
        with _environ(MODEL_TAG_ENV, exact_tag):
            try:
                bento = bentoml.bentos.build_bentofile(
                    str(Path(ctx) / BENTOFILE), build_ctx=ctx, version=version, reload=True
                )
            except (BentoMLException, ValueError) as exc:
                raise InputError(f"bento build failed: {exc}") from None
    path = Path(bento.path)
    return BuiltBento(tag=str(bento.tag), digest=bento_digest(path), path=path, model_tag=exact_tag)


def export_bento(bento_tag: str, target: Path) -> Path:
    """Copy a bento from the store into the folder `target`, model included in `models/`: what an
    inference image is built from (services/inference/Dockerfile) and what travels between steps.
    `target` must not exist yet."""
    import bentoml
    from bentoml.exceptions import BentoMLException

    target = Path(target)
    if target.exists():
        raise InputError(f"{target} exists already", hint="export into a new folder")
    try:
        bentoml.bentos.export_bento(bento_tag, str(target), output_format="folder")
    except (BentoMLException, OSError) as exc:
        raise InputError(f"cannot export bento {bento_tag}: {type(exc).__name__}") from None
    return target


def bento_digest(bento_dir: Path) -> str:
    """``sha256:<hex>`` over the files of a bento directory: the canonical JSON of the sorted
    list of [relative path, file digest] pairs. JSON rather than text lines, so no file name
    can forge an entry; independent of file times, permissions and walk order.

    Left out, so the digest is the same in the bento store, the exported folder and the image:
    `models/` (export copies the model in; the manifest vouches for the model file by its own
    digest), the signed manifest itself (added after signing), and `__pycache__` folders (Python
    writes them when the service is imported)."""
    bento_dir = Path(bento_dir)
    if not (bento_dir / BENTO_YAML).is_file():
        raise InputError(f"{bento_dir} is not a bento directory (no {BENTO_YAML})")
    entries = []
    for path in bento_dir.rglob("*"):
        relative = path.relative_to(bento_dir)
        if relative.parts[0] == BENTO_MODELS_DIR or _SKIP.intersection(relative.parts):
            continue
        if path.is_symlink():
            # A link's target can change without changing the bento: refuse to vouch for it.
            raise IntegrityError(f"bento {bento_dir} contains a symbolic link: {path.name}")
        if path.is_file() and relative.as_posix() != _MANIFEST_IN_BENTO:
            entries.append([relative.as_posix(), file_sha256(path)])
    entries.sort()
    return sha256_digest(canonical_json(entries))


def attach_manifest(bento_dir: Path, manifest_file: Path) -> Path:
    """Put the signed manifest into the bento, where the service verifies it at start-up."""
    target = Path(bento_dir) / _MANIFEST_IN_BENTO
    _write_readable(target, Path(manifest_file).read_bytes())
    return target


def bento_sbom(bento_dir: Path) -> Path:
    """Where a bento carries its SBOM (it may not: a bento built without one). Inside the bento,
    so the SBOM travels into the inference image with what it describes."""
    return Path(bento_dir) / _SBOM_IN_BENTO


def bento_info(bento_dir: Path) -> tuple[str, str]:
    """(bento tag, model tag) from a bento's bento.yaml; the bento must serve exactly one model."""
    try:
        info = yaml.safe_load((Path(bento_dir) / BENTO_YAML).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {BENTO_YAML} in {bento_dir}: {exc}") from None
    if not isinstance(info, dict) or not info.get("name") or not info.get("version"):
        raise InputError(f"{BENTO_YAML} in {bento_dir} has no name and version")
    models = {m["tag"] for m in _model_entries(info)}
    if len(models) != 1:
        raise InputError(f"bento {info['name']} serves {len(models)} models; exactly one is expected")
    return f"{info['name']}:{info['version']}", models.pop()


def _model_entries(info: dict[str, Any]) -> Iterator[dict[str, Any]]:
    # BentoML lists models at the top level (bentofile `models:`) and per service (declared
    # in the class); both count.
    yield from info.get("models") or []
    for service in info.get("services") or []:
        yield from service.get("models") or []


def _stage(service_dir: Path, ctx: Path, model_tag: str) -> None:
    _copy_tree(service_dir, ctx)
    package = Path(secure_mlops.__file__).resolve().parent
    _copy_tree(package, ctx / package.name)
    config = yaml.safe_load((service_dir / BENTOFILE).read_text(encoding="utf-8"))
    python = config.setdefault("python", {})
    python["packages"] = [_pin(p) for p in python.get("packages") or []]
    envs = [e for e in config.get("envs") or [] if e.get("name") != MODEL_TAG_ENV]
    config["envs"] = [*envs, {"name": MODEL_TAG_ENV, "value": model_tag}]
    _write_readable(ctx / BENTOFILE, yaml.safe_dump(config, sort_keys=False).encode("utf-8"))


def _stage_release(ctx: Path, contract_file: Path, profile_file: Path, sbom_file: Path | None) -> None:
    (ctx / RELEASE_DIR).mkdir()
    files = [(contract_file, CONTRACT_FILE), (profile_file, PROFILE_FILE)]
    if sbom_file is not None:
        files.append((sbom_file, SBOM_FILE))
    for source, name in files:
        _write_readable(ctx / RELEASE_DIR / name, read_file(source, f"the bento's {name}"))


def _pin(requirement: str) -> str:
    """`name` -> `name==<installed version>`: the image runs what training and tests ran."""
    if not _BARE_NAME.fullmatch(requirement):
        return requirement  # already has a specifier, marker or extra: keep it as written
    try:
        return f"{requirement}=={dist_metadata.version(requirement)}"
    except dist_metadata.PackageNotFoundError:
        raise ConfigError(f"package {requirement} (listed in {BENTOFILE}) is not installed") from None


def _copy_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if _SKIP.intersection(relative.parts) or path.is_symlink() or not path.is_file():
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        _write_readable(destination, path.read_bytes())


def _write_readable(target: Path, data: bytes) -> None:
    """Atomically, then readable by all: a bento holds no secret, and the image copies it as root
    for a non-root user to read (the atomic writer's 0600 would lock that user out)."""
    write_atomically(target, data)
    target.chmod(0o644)


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous
