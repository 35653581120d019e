"""Overlap AES-GCM with the I/O around it, on one helper thread."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from typing import BinaryIO

from secure_mlops.crypto._io import readinto_full, write_all

# (chunk index, the piece read, whether it is the last, room for the result) -> the result.
Process = Callable[[int, memoryview, bool, memoryview], memoryview]

# Handing work to a thread costs ~25 µs here, which would swamp a 4 KiB chunk (~1 µs of
# AES-GCM): small chunks therefore travel in batches of about this many bytes.
_BATCH_BYTES = 1024 * 1024


def run_chunks(
    src: BinaryIO, dst: BinaryIO, read_size: int, write_size: int, process: Process
) -> None:
    """Feed `src` to `process` in pieces of `read_size` and write the results to `dst`, in order.

    The first short piece (possibly empty) is the last. While this thread processes batch b
    (cryptography's AES-GCM releases the GIL), the helper writes the results of batch b-1 and
    reads batch b+1. Each step waits for both, so one I/O job at most is in flight and its
    error surfaces at once; on any error the helper is idle before this returns, so nothing
    reaches `dst` afterwards. Two buffers of each kind: memory is ~4 batches, whatever the
    length of the stream.
    """
    per_batch = max(1, _BATCH_BYTES // read_size)
    inputs = [memoryview(bytearray(read_size * per_batch)) for _ in range(2)]
    outputs = [memoryview(bytearray(write_size * per_batch)) for _ in range(2)]
    filled = readinto_full(src, inputs[0])
    previous: memoryview | None = None
    index = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="envelope-io") as helper:
        for batch in count():
            last_batch = filled < len(inputs[0])
            following = None if last_batch else inputs[(batch + 1) % 2]
            io_step = helper.submit(_write_then_read, dst, previous, src, following)
            data, out = inputs[batch % 2][:filled], outputs[batch % 2]
            pieces = filled // read_size + 1 if last_batch else per_batch
            written = 0
            for piece in range(pieces):
                result = process(
                    index,
                    data[piece * read_size : (piece + 1) * read_size],
                    last_batch and piece == pieces - 1,
                    out[written : written + write_size],
                )
                written += len(result)
                index += 1
            previous = out[:written]
            filled = io_step.result()
            if last_batch:
                write_all(dst, previous)
                return


def _write_then_read(
    dst: BinaryIO, data: memoryview | None, src: BinaryIO, buffer: memoryview | None
) -> int:
    if data is not None:
        write_all(dst, data)
    return readinto_full(src, buffer) if buffer is not None else 0
