"""The logging filter and the process-wide install."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from secure_mlops.redaction import (
    RedactingFilter,
    Redactor,
    install_log_redaction,
    uninstall_log_redaction,
)

SSN = "123-45-6789"
EMAIL = "alice@example.com"


@pytest.fixture
def root_handler() -> Iterator[logging.StreamHandler[io.StringIO]]:
    """A handler on the root logger writing to a StringIO; removed (and redaction undone) after."""
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    uninstall_log_redaction()
    root.removeHandler(handler)
    root.setLevel(old_level)


def _logger_with_filter(stream: io.StringIO, name: str) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_filter_redacts_args_and_exception_text() -> None:
    stream = io.StringIO()
    logger = _logger_with_filter(stream, "test.redaction.filter")
    logger.info("user %s", EMAIL)
    try:
        raise ValueError(f"no record for ssn {SSN}")
    except ValueError:
        logger.exception("lookup failed")
    output = stream.getvalue()
    assert EMAIL not in output and SSN not in output
    assert "user [REDACTED:email]" in output
    assert "ValueError: no record for ssn [REDACTED:ssn]" in output


def test_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "ssn %s", (SSN,), None)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "ssn [REDACTED:ssn]"
    assert record.args == ()


def test_filter_drops_exc_info_so_formatters_cannot_render_it_again() -> None:
    try:
        raise RuntimeError(f"token=hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE for {EMAIL}")
    except RuntimeError as error:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), (type(error), error, error.__traceback__)
        )
    RedactingFilter().filter(record)
    assert record.exc_info is None
    assert record.exc_text is not None and EMAIL not in record.exc_text
    assert "hvs.CAES" not in logging.Formatter().format(record)


def test_filter_redacts_extra_fields_by_name_and_by_content() -> None:
    record = logging.makeLogRecord({"msg": "signup", "email": EMAIL, "note": f"ssn {SSN}", "n": 3})
    RedactingFilter().filter(record)
    assert record.email == "[REDACTED:email]"
    assert record.note == "ssn [REDACTED:ssn]"
    assert record.n == 3


def test_filter_redacts_stack_info() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "here", (), None)
    record.stack_info = 'Stack (most recent call last):\n  connect(password="hunter2")'
    RedactingFilter().filter(record)
    assert "hunter2" not in record.stack_info


def test_filter_replaces_a_record_it_cannot_render_instead_of_raising() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

        __repr__ = __str__

    record = logging.LogRecord("x", logging.INFO, __file__, 1, Unprintable(), (EMAIL,), None)
    assert RedactingFilter().filter(record) is True
    assert record.getMessage() == "[REDACTED:unloggable log record]"


def test_filter_with_a_bad_format_string_still_redacts_the_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %d", (EMAIL,), None)
    RedactingFilter().filter(record)
    assert EMAIL not in record.getMessage()


def test_filter_uses_the_given_redactor() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "patient_id=%s", ("P-001",), None)
    RedactingFilter(Redactor(extra_keys=["patient_id"])).filter(record)
    assert record.getMessage() == "patient_id=[REDACTED:patient_id]"


@pytest.mark.control("redaction")
def test_installed_redaction_covers_child_loggers(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    install_log_redaction()
    child = logging.getLogger("secure_mlops.test.child")
    child.info("user %s", EMAIL)
    try:
        raise ValueError(f"bad ssn {SSN}")
    except ValueError:
        child.exception("failed")
    output = root_handler.stream.getvalue()
    assert EMAIL not in output and SSN not in output
    assert "[REDACTED:email]" in output and "[REDACTED:ssn]" in output


def test_installed_redaction_covers_loggers_that_do_not_propagate(
    root_handler: logging.StreamHandler[io.StringIO],
) -> None:
    install_log_redaction()
    stream = io.StringIO()
    logger = logging.getLogger("secure_mlops.test.isolated")
    logger.addHandler(logging.StreamHandler(stream))
    logger.propagate = False
    try:
        logger.warning("user %s", EMAIL)
    finally:
        logger.handlers.clear()
        logger.propagate = True
    assert stream.getvalue() == "user [REDACTED:email]\n"


def test_installed_redaction_covers_extra_fields(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    install_log_redaction()
    root_handler.setFormatter(logging.Formatter("%(message)s %(email)s"))
    logging.getLogger("secure_mlops.test.extra").info("signup", extra={"email": EMAIL})
    assert root_handler.stream.getvalue() == "signup [REDACTED:email]\n"


def test_install_is_idempotent(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    first = install_log_redaction()
    factory = logging.getLogRecordFactory()
    assert install_log_redaction() is first
    assert logging.getLogRecordFactory() is factory
    assert root_handler.filters.count(first) == 1


def test_install_again_with_new_extra_keys_widens_the_redactor(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    installed = install_log_redaction(["patient_id"])
    install_log_redaction(["diagnosis"])
    assert installed.redactor.extra_keys == {"patient_id", "diagnosis"}
    logging.getLogger("secure_mlops.test.keys").info("patient_id=P-1 diagnosis=flu")
    assert "P-1" not in root_handler.stream.getvalue() and "flu" not in root_handler.stream.getvalue()


def test_uninstall_restores_the_record_factory(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    original = logging.getLogRecordFactory()
    install_log_redaction()
    uninstall_log_redaction()
    assert logging.getLogRecordFactory() is original
    assert not any(isinstance(f, RedactingFilter) for f in root_handler.filters)


def test_json_formatter_output_is_redacted(root_handler: logging.StreamHandler[io.StringIO]) -> None:
    class JsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return json.dumps({"msg": record.getMessage(), "user": getattr(record, "user", None)})

    install_log_redaction()
    root_handler.setFormatter(JsonFormatter())
    logging.getLogger("secure_mlops.test.json").info("login %s", EMAIL, extra={"user": EMAIL})
    assert EMAIL not in root_handler.stream.getvalue()
