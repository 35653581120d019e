"""Checks for the names that end up in rendered manifests: tags, image references, namespaces.

Each becomes a YAML value or a label, so each is held to the grammar of where it lands rather
than trusted to be well formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from secure_mlops.errors import InputError

_TAG = re.compile(r"(?P<name>[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?):(?P<version>[A-Za-z0-9_.-]{1,63})")
_LABEL_VALUE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?")
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?P<name>(?:[A-Za-z0-9.-]+(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)


@dataclass(frozen=True)
class ImageRef:
    name: str
    tag: str | None
    digest: str | None


def pinned_version(field: str, tag: str) -> str:
    """The version of a ``name:version`` BentoML tag. `latest` is refused: a deployment names
    the exact version its signed manifest vouches for. The version must also be a valid
    Kubernetes label value, as it becomes one."""
    match = _TAG.fullmatch(tag) if isinstance(tag, str) else None
    if match is None or not _LABEL_VALUE.fullmatch(match.group("version")):
        raise InputError(f"{field} {tag!r} is not a BentoML tag of the form name:version")
    if match.group("version") == "latest":
        raise InputError(f"{field} {tag!r} must name an exact version, not latest")
    return match.group("version")


def parse_image(image: str) -> ImageRef:
    """A container image reference with a tag or a digest (a digest is preferred: it cannot be
    moved to other bytes); a bare name or `:latest` is refused."""
    match = _IMAGE.fullmatch(image) if isinstance(image, str) else None
    if match is None:
        raise InputError(f"image {image!r} is not a valid image reference")
    ref = ImageRef(match.group("name"), match.group("tag"), match.group("digest"))
    if ref.digest is None and ref.tag in (None, "latest"):
        raise InputError(f"image {image!r} must name a tag or digest other than latest",
                         hint="for example registry/inference@sha256:<digest>")
    return ref


def check_namespace(namespace: str) -> str:
    if not isinstance(namespace, str) or not _DNS_LABEL.fullmatch(namespace):
        raise InputError(f"namespace {namespace!r} is not a valid Kubernetes namespace name")
    return namespace
