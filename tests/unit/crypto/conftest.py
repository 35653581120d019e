"""The in-memory stand-in for Vault Transit's data-key API, and checks shared by the crypto tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from secure_mlops.errors import IntegrityError
from tests.support.fakes import InMemoryKeyService

# Spelled out here rather than imported, so the tests pin the message the spec promises.
GENERIC_INTEGRITY_MESSAGE = (
    "decryption failed: the file was modified, truncated, or the context does not match"
)


@pytest.fixture
def key_service() -> InMemoryKeyService:
    return InMemoryKeyService()


@pytest.fixture
def fails_integrity() -> Callable[[], AbstractContextManager[None]]:
    """`with fails_integrity(): ...` asserts an IntegrityError carrying the one generic message."""

    @contextmanager
    def check() -> Iterator[None]:
        with pytest.raises(IntegrityError) as info:
            yield
        assert str(info.value) == GENERIC_INTEGRITY_MESSAGE

    return check
