"""Property: any data, any context, either format version, round-trips; any other context fails."""

from __future__ import annotations

import io
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secure_mlops.crypto import decrypt_stream, encrypt_stream

CHUNK = 4096

# Sizes cluster where bugs live: empty, and one either side of each chunk boundary.
sizes = st.one_of(
    st.integers(min_value=0, max_value=4 * CHUNK),
    st.builds(lambda k, d: max(0, k * CHUNK + d), st.integers(0, 4), st.integers(-1, 1)),
)


@settings(
    max_examples=60,
    deadline=None,
    # The key service is stateless across examples apart from call counts, so sharing is fine.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    size=sizes,
    seed=st.integers(0, 2**32 - 1),
    context=st.binary(max_size=64),
    other=st.binary(max_size=64),
    version=st.sampled_from([1, 2]),
)
def test_round_trip_for_any_size_and_context(
    key_service, fails_integrity, size, seed, context, other, version
):
    data = random.Random(seed).randbytes(size)
    sealed = io.BytesIO()
    encrypt_stream(io.BytesIO(data), sealed, key_service, context, chunk_size=CHUNK, version=version)

    opened = io.BytesIO()
    decrypt_stream(io.BytesIO(sealed.getvalue()), opened, key_service, context)
    assert opened.getvalue() == data

    if other != context:
        with fails_integrity():
            decrypt_stream(io.BytesIO(sealed.getvalue()), io.BytesIO(), key_service, other)
