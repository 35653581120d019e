"""Put a skops model file into BentoML's model store, as a BentoML model that holds no pickle.

`bentoml.sklearn.save_model` pickles the estimator, and unpickling runs whatever code the file
names. Instead the model is created empty with `bentoml.models.create()` and the skops file
(which loads only an allow-list of types) is copied into it, under one fixed name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.digest import file_sha256
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging.fields import check_number, check_text
from secure_mlops.packaging.home import use_bentoml_home
from secure_mlops.packaging.layout import MODEL_FILENAME
from secure_mlops.storage.atomic import atomic_output

SKOPS_SUFFIX = ".skops"
COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True)
class PackagedModel:
    tag: str
    """The concrete BentoML tag, ``name:version``."""
    digest: str
    """``sha256:<hex>`` of the skops file, as stored."""
    path: Path
    """The model's directory in the store (holds model.yaml and the skops file)."""


def package_model(
    model_file: Path,
    *,
    name: str,
    metadata: Mapping[str, str | int | float],
    labels: Mapping[str, str],
) -> PackagedModel:
    """Store `model_file` (skops) as a new version of BentoML model `name`.

    `metadata` is for the contract version, metrics and the data digest: counts, numbers and
    ids only; text that looks like a secret or personal data is refused. The file's digest is
    added as `model_sha256`.
    """
    model_file = Path(model_file)
    if not model_file.is_file():
        raise InputError(f"model file {model_file} does not exist")
    if model_file.suffix != SKOPS_SUFFIX:
        raise InputError(
            f"model file {model_file.name} is not a {SKOPS_SUFFIX} file",
            hint="only skops files are packaged: pickle-based formats run code when loaded",
        )
    digest = file_sha256(model_file)
    clean_metadata = {**_check_metadata(metadata), "model_format": "skops", "model_sha256": digest}
    clean_labels = {check_text("label name", k): check_text(f"label {k}", v) for k, v in labels.items()}

    use_bentoml_home()
    import bentoml
    from bentoml.exceptions import BentoMLException

    try:
        with bentoml.models.create(name, labels=clean_labels, metadata=clean_metadata) as model:
            stored = Path(model.path) / MODEL_FILENAME
            _copy(model_file, stored)
            # The digest is taken again from the stored copy: it is what gets served and signed.
            if file_sha256(stored) != digest:
                raise IntegrityError(f"model file {model_file.name} changed while it was packaged")
    except (BentoMLException, ValueError) as exc:
        raise InputError(f"cannot store model {name!r} in BentoML: {exc}") from None
    stored_model = bentoml.models.get(model.tag)
    return PackagedModel(tag=str(stored_model.tag), digest=digest, path=Path(stored_model.path))


def _check_metadata(metadata: Mapping[str, str | int | float]) -> dict[str, str | int | float]:
    clean: dict[str, str | int | float] = {}
    for key, value in metadata.items():
        check_text("metadata key", key)
        clean[key] = (
            check_text(f"metadata {key}", value) if isinstance(value, str)
            else check_number(f"metadata {key}", value)
        )
    return clean


def _copy(source: Path, target: Path) -> None:
    with source.open("rb") as src, atomic_output(target) as dst:
        for block in iter(lambda: src.read(COPY_BLOCK), b""):
            dst.write(block)
    # The inference image copies the model as root for its non-root user to read.
    target.chmod(0o644)
