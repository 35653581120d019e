"""Redaction for the standard `logging` module: a filter, and a one-call install for a process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Final

from secure_mlops.redaction.redactor import Redactor, default_redactor

# Set on a record once its message and exception are redacted, so a record that meets the filter
# twice (record factory, then a handler) is not rendered and scanned twice.
_REDACTED_MARK: Final = "_secure_mlops_redacted"
_STANDARD_ATTRIBUTES: Final = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
    _REDACTED_MARK,
}
_UNLOGGABLE: Final = "[REDACTED:unloggable log record]"
_EXCEPTION_FORMATTER: Final = logging.Formatter()


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep its parts, redacted below
        return f"{record.msg} {record.args!r}"


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments, exception, stack and `extra=` fields in place.

    It never drops a record (`filter` always returns True) and never raises into the logging call:
    a record it cannot render is replaced by a placeholder rather than passed on unredacted.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self.redactor = redactor or default_redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self.redactor  # read once: install_log_redaction may swap it
        try:
            if not getattr(record, _REDACTED_MARK, False):
                self._redact_message(record, redactor)
            self._redact_extras(record, redactor)
        except Exception:  # noqa: BLE001 - fail closed, see the class docstring
            record.msg, record.args = _UNLOGGABLE, ()
            record.exc_info = record.exc_text = record.stack_info = None
        return True

    @staticmethod
    def _redact_message(record: logging.LogRecord, redactor: Redactor) -> None:
        record.msg = redactor.redact(_message(record))
        record.args = ()
        if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
            record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redactor.redact(record.exc_text)
        # Formatters print exc_text when exc_info is gone; handlers that render exc_info
        # themselves (JSON formatters, OpenTelemetry, Sentry) would print the exception's
        # message, and so any secret in it, unredacted.
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redactor.redact(record.stack_info)
        setattr(record, _REDACTED_MARK, True)

    @staticmethod
    def _redact_extras(record: logging.LogRecord, redactor: Redactor) -> None:
        # Structured formatters print `extra=` fields; they arrive after the record factory ran.
        for name, value in list(vars(record).items()):
            if name in _STANDARD_ATTRIBUTES or name.startswith("_"):
                continue
            label = redactor.label_for(name)
            if label is not None:
                setattr(record, name, label)
            elif isinstance(value, str):
                setattr(record, name, redactor.redact(value))


_install_lock: Final = threading.Lock()
_installed: RedactingFilter | None = None
_previous_factory: Callable[..., logging.LogRecord] | None = None
_factory: Callable[..., logging.LogRecord] | None = None


def install_log_redaction(extra_keys: Iterable[str] = ()) -> RedactingFilter:
    """Redact every log record of this process; returns the filter. Calling it again is harmless.

    Why two hooks: a filter on a logger only sees records logged to that very logger, not its
    children's, so a root-logger filter would miss nearly everything. The record factory sees
    every record any logger creates, before any handler sees it (handlers of child loggers that
    do not propagate, handlers added later), so it does the work. A filter on the root logger's
    handlers also catches what the factory cannot: `extra=` fields, which are set after the
    factory returns, and records built elsewhere and passed to `handle()` (a QueueListener, a
    socket receiver). A second call with new `extra_keys` widens the installed redactor.
    """
    global _installed, _previous_factory, _factory
    wanted = Redactor(extra_keys)
    with _install_lock:
        if _installed is None:
            _installed = RedactingFilter(wanted)
            _previous_factory = previous = logging.getLogRecordFactory()
            redacting = _installed

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                redacting.filter(record)
                return record

            _factory = factory
            logging.setLogRecordFactory(factory)
        elif not wanted.extra_keys <= _installed.redactor.extra_keys:
            _installed.redactor = Redactor(_installed.redactor.extra_keys | wanted.extra_keys)
        for handler in logging.getLogger().handlers:
            if _installed not in handler.filters:
                handler.addFilter(_installed)
        return _installed


def uninstall_log_redaction() -> None:
    """Undo `install_log_redaction` (for tests and embedding applications)."""
    global _installed, _previous_factory, _factory
    with _install_lock:
        if _installed is None:
            return
        # Only put the old factory back if nobody wrapped ours since; else theirs would go too.
        if logging.getLogRecordFactory() is _factory and _previous_factory is not None:
            logging.setLogRecordFactory(_previous_factory)
        for handler in logging.getLogger().handlers:
            handler.removeFilter(_installed)
        _installed = _previous_factory = _factory = None
