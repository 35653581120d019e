"""Publish a verified release to the lake's models/ prefix: the hand-off to whoever builds the
inference image and applies the release (CI, a GitOps controller, the deployer identity).

Only what `deploy` has verified is published, under `<release_uri>/<bento name>/<bento version>/`:
the bento with its model (`bento/`), the signed provenance manifest (`provenance.json`) and the
rendered manifests (`manifests.yaml`). All three are non-personal (pipelines/artifacts.py).
Beside the versions, `<release_uri>/<bento name>/release-sequence.json` records the last release
deployed and the newest ever deployed (`deploy/sequence.py`): deploy refuses an older one.
"""

from __future__ import annotations

from pathlib import Path

from secure_mlops.storage import S3Store, parse_s3_uri

PROVENANCE = "provenance.json"
MANIFESTS = "manifests.yaml"


def bento_folder(release_uri: str, bento_name: str) -> tuple[str, str]:
    """(bucket, key prefix) of a bento's releases under `release_uri`; `InputError` for a URI
    that is not s3://."""
    bucket, prefix = parse_s3_uri(release_uri)
    return bucket, "/".join(part for part in (prefix.strip("/"), bento_name) if part)


def publish_release(release_uri: str, *, bento_tag: str, bento_dir: Path, signed_manifest: Path,
                    manifests: Path, store: S3Store | None = None) -> str:
    """Upload the release; returns the s3:// URI of its folder. Raises `InputError` for a URI that
    is not s3://, `StorageError` when S3 refuses (what was uploaded before stays, and a
    re-publication of the same release overwrites it)."""
    name, _, version = bento_tag.partition(":")
    bucket, releases = bento_folder(release_uri, name)
    store = store or S3Store(bucket)
    folder = f"{releases}/{version}"
    bento_dir = Path(bento_dir)
    for path in sorted(p for p in bento_dir.rglob("*") if p.is_file()):
        store.put_file(path, f"{folder}/bento/{path.relative_to(bento_dir).as_posix()}")
    store.put_file(Path(signed_manifest), f"{folder}/{PROVENANCE}")
    store.put_file(Path(manifests), f"{folder}/{MANIFESTS}")
    return store.uri(folder)
