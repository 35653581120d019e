"""SIGTERM and SIGHUP unwind the stack as Ctrl-C does, so temp files of plaintext are removed.

Python's default for both signals is to die on the spot: no `finally`, no `except`, and a hidden
temp file of decrypted data stays behind. `timeout`, systemd and Kubernetes stop a process with
SIGTERM, and a closed terminal sends SIGHUP. While `cleanup_on_termination` is active they raise
`Terminated` in the main thread instead; it derives from BaseException, like KeyboardInterrupt, so
`except Exception` does not swallow it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):  # like KeyboardInterrupt, its sibling: not an Exception
    """The process was asked to stop by `signum`; raised so that cleanup code runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextmanager
def cleanup_on_termination() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into `Terminated` for the duration of the block.

    Only signals still at their default action are taken over, and restored afterwards: a handler
    the application set stays in charge, an ignored SIGHUP (`nohup`) stays ignored, and nested
    blocks leave the outer one's handler alone. Signal handlers belong to the main thread; in any
    other thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    taken = [signum for signum in SIGNALS if signal.getsignal(signum) is signal.SIG_DFL]
    for signum in taken:
        signal.signal(signum, _raise_terminated)
    try:
        yield
    finally:
        for signum in taken:
            signal.signal(signum, signal.SIG_DFL)
