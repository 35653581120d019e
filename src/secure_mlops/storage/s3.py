"""S3 (or any S3-compatible endpoint) as the object store, through boto3.

boto3 reads AWS_* itself, including AWS_ENDPOINT_URL, so a MinIO, Ceph or moto endpoint works
without code changes. Uploads go through boto3's managed transfer: a multipart object becomes
visible only when the upload completes, which gives the atomicity the interface promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from secure_mlops.errors import InputError, ObjectNotFoundError, StorageError
from secure_mlops.storage.atomic import atomic_output
from secure_mlops.storage.base import check_key

S3_SCHEME = "s3://"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key or prefix) of an ``s3://bucket/key`` URI."""
    if not uri.startswith(S3_SCHEME):
        raise InputError(f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise InputError(f"{uri!r} names no bucket", hint="write s3://BUCKET/PREFIX")
    return bucket, key


class S3Store:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        client: Any | None = None,
        sse_kms_key_id: str | None = None,
    ) -> None:
        if client is None:
            import boto3  # deferred: boto3 costs ~0.3 s to import and local runs never need it

            client = boto3.client("s3")
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._extra: dict[str, str] = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": sse_kms_key_id} if sse_kms_key_id else {}
        )

    def _key(self, key: str) -> str:
        key = check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._key(key)}"

    def exists(self, key: str) -> bool:
        try:
            with self._errors("read", key):
                self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ObjectNotFoundError:
            return False
        return True

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys under `prefix` (relative to the bucket), across result pages."""
        full = f"{self.prefix}/{prefix}".strip("/") if self.prefix else prefix
        keys: list[str] = []
        with self._errors("list", prefix or "x"):
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def put_file(self, local: Path, key: str) -> str:
        if not local.is_file():
            raise StorageError(f"{local} does not exist or is not a file")
        with self._errors("write", key):
            self._client.upload_file(str(local), self.bucket, self._key(key), ExtraArgs=self._extra or None)
        return self.uri(key)

    def get_file(self, key: str, local: Path) -> None:
        with self._errors("read", key), atomic_output(local) as handle:
            self._client.download_fileobj(self.bucket, self._key(key), handle)

    @contextmanager
    def _errors(self, verb: str, key: str) -> Iterator[None]:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except S3UploadFailedError as exc:
            # boto3's transfer manager wraps the ClientError that says what went wrong.
            raise _storage_error(exc.__context__ or exc, verb, self.uri(key), self.bucket) from None
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
    code = str(exc.response.get("Error", {}).get("Code", ""))
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
