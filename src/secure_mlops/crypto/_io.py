"""Exact-length reads and full writes on caller-supplied streams."""

from __future__ import annotations

from typing import BinaryIO

from secure_mlops.errors import InputError


def readinto_full(src: BinaryIO, view: memoryview) -> int:
    """Fill `view` from `src`; the count is below ``len(view)`` only at the end of the stream.

    One read may return less than asked (pipes, sockets, S3 bodies), and the envelope format
    recognises the last chunk by its short length, so a short read must never pass for the end.
    Streams without `readinto` (some HTTP bodies) fall back to `read`.
    """
    readinto = getattr(src, "readinto", None)
    filled = 0
    while filled < len(view):
        if readinto is not None:
            count = readinto(view[filled:])
        else:
            data = src.read(len(view) - filled)
            count = len(data)
            view[filled : filled + count] = data
        if count is None:
            # A non-blocking stream with no data yet would otherwise look like the end of input
            # and silently truncate what we encrypt.
            raise InputError("non-blocking streams are not supported")
        if count == 0:
            break
        filled += count
    return filled


def write_all(dst: BinaryIO, data: memoryview) -> None:
    """Write every byte: unbuffered files may accept only part of a large write."""
    while data:
        data = data[dst.write(data) :]
