"""S3 (or any S3-compatible endpoint) through boto3: list a prefix, fetch an object into a local
file that appears only when complete, upload a file (the deploy step's published release), and
copy or delete an object (a quarantine).

boto3 reads AWS_* itself, including AWS_ENDPOINT_URL, so a MinIO, Ceph or moto endpoint works
without code changes. Uploads name no encryption: the lake's default key encrypts them, and its
bucket policy refuses any other key. KFP's launcher writes the pipeline's artifacts itself.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from secure_mlops.errors import InputError, ObjectNotFoundError, StorageError
from secure_mlops.storage.atomic import atomic_output

S3_SCHEME = "s3://"
# S3's answers to a conditional PUT whose condition failed: the ETag no longer matches, the object
# is gone (If-Match) or already there (If-None-Match), or a concurrent write is still in progress.
_CONDITION_FAILED = frozenset({"PreconditionFailed", "412", "NoSuchKey", "404", "ConditionalRequestConflict", "409"})


@dataclass(frozen=True)
class ObjectVersion:
    """What a conditional rewrite needs of the object it read: its ETag, and what to keep."""

    etag: str
    metadata: dict[str, str]
    content_type: str | None


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key or prefix) of an ``s3://bucket/key`` URI."""
    if not uri.startswith(S3_SCHEME):
        raise InputError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise InputError(f"{uri!r} names no bucket", hint="write s3://BUCKET/PREFIX")
    return bucket, key


class S3Store:
    def __init__(self, bucket: str, *, client: Any | None = None) -> None:
        if client is None:
            import boto3  # deferred: boto3 costs ~0.3 s to import and local runs never need it

            client = boto3.client("s3")
        self._client = client
        self.bucket = bucket

    def uri(self, key: str) -> str:
        return f"{S3_SCHEME}{self.bucket}/{key}"

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys under `prefix`, across result pages."""
        keys: list[str] = []
        with self._errors("list", prefix):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def get_file(self, key: str, local: Path) -> None:
        """Download `key` to `local`, which appears only when complete."""
        with self._errors("read", key), atomic_output(local) as handle:
            self._client.download_fileobj(self.bucket, key, handle)

    def put_file(self, local: Path, key: str) -> str:
        """Upload the file `local` as `key` (multipart when large); returns its s3:// URI."""
        with self._errors("write", key):
            self._client.upload_file(str(local), self.bucket, key)
        return self.uri(key)

    def read_bytes(self, key: str) -> bytes:
        """The whole content of `key` (for small objects: records, manifests)."""
        with self._errors("read", key):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return body.read()
            finally:
                body.close()

    def copy(self, key: str, target: str) -> str:
        """Copy `key` to `target` in this bucket on the server side (multipart when large), with
        its user metadata and content type; returns the target's s3:// URI."""
        with self._errors("copy", key):
            self._client.copy({"Bucket": self.bucket, "Key": key}, self.bucket, target)
        return self.uri(target)

    def delete(self, key: str) -> None:
        """Delete `key`. In a versioned bucket this adds a delete marker: earlier versions stay."""
        with self._errors("delete", key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    def read_head(self, key: str, size: int) -> BinaryIO:
        """A stream of the first `size` bytes of `key` (empty for an empty object)."""
        from botocore.exceptions import ClientError

        with self._errors("read", key):
            try:
                return self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - 1}")["Body"]
            except ClientError as exc:
                if _error_code(exc) == "InvalidRange":  # S3's answer for a range of an empty object
                    return io.BytesIO(b"")
                raise

    def open(self, key: str) -> tuple[BinaryIO, ObjectVersion]:
        """A stream of `key`'s content, and the version read (for `put_if_unchanged`)."""
        with self._errors("read", key):
            response = self._client.get_object(Bucket=self.bucket, Key=key)
        return response["Body"], ObjectVersion(response["ETag"], response.get("Metadata", {}), response.get("ContentType"))

    def put_if_unchanged(self, key: str, body: BinaryIO, read: ObjectVersion) -> bool:
        """Replace `key` with `body` (one PUT: at most 5 GiB) only if it is still the version
        `read`, keeping its user metadata and content type; False when another write came first."""
        extra = {"ContentType": read.content_type} if read.content_type else {}
        return self._put_conditionally(key, body, IfMatch=read.etag, Metadata=read.metadata, **extra)

    def put_new(self, key: str, data: bytes) -> bool:
        """Create `key` holding `data`, never replacing an object already there; False when one is."""
        return self._put_conditionally(key, io.BytesIO(data), IfNoneMatch="*")

    def _put_conditionally(self, key: str, body: BinaryIO, **condition: Any) -> bool:
        from botocore.exceptions import ClientError

        with self._errors("write", key):
            try:
                self._client.put_object(Bucket=self.bucket, Key=key, Body=body, **condition)
            except ClientError as exc:
                if _error_code(exc) in _CONDITION_FAILED:
                    return False
                raise
        return True

    @contextmanager
    def _errors(self, verb: str, key: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (ClientError, BotoCoreError) as exc:
            raise _storage_error(exc, verb, self.uri(key), self.bucket) from None


def _storage_error(exc: BaseException, verb: str, where: str, bucket: str) -> StorageError:
    from botocore.exceptions import ClientError, NoCredentialsError

    if isinstance(exc, NoCredentialsError):
        return StorageError(
            "no AWS credentials found", hint="set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
    if not isinstance(exc, ClientError):
        return StorageError(f"could not {verb} {where}: {type(exc).__name__}")
    code = _error_code(exc)
    if code in {"404", "NoSuchKey", "NotFound"}:
        return ObjectNotFoundError(f"no object at {where}")
    if code in {"403", "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
        return StorageError(
            f"access denied to {verb} {where}",
            hint="check the IAM policy of these credentials (see policies/iam/)",
        )
    if code == "NoSuchBucket":
        return StorageError(f"bucket {bucket!r} does not exist")
    return StorageError(f"S3 refused to {verb} {where}: {code or 'unknown error'}")


def _error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
