"""JSON logging and span scrubbing for the inference service: nothing from a request leaks."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode
from opentelemetry.util.types import AttributeValue
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from secure_mlops.errors import ConfigError
from secure_mlops.redaction import uninstall_log_redaction
from secure_mlops.serving.telemetry import (
    SERVER_LOGGERS,
    ScrubbingSpanExporter,
    _exporter_names,
    configure_tracing,
    install_json_logging,
)

pytestmark = pytest.mark.control("redaction")

EMAIL = "ana@example.com"
SSN = "123-45-6789"
CARD = "4111 1111 1111 1111"
TOKEN = "smt_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SECRET_INPUT = "4111111111111111-not-an-age"


class Features(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=False)
    age: int
    nickname: str

    @field_validator("nickname")
    @classmethod
    def _refuse(cls, value: str) -> str:
        # A validator whose message quotes the input, over two lines.
        raise ValueError(f"nickname {value!r} is not allowed\nsee policy")


def _validation_error() -> ValidationError:
    try:
        Features.model_validate({"age": SECRET_INPUT, "nickname": f"x-{SECRET_INPUT}"})
    except ValidationError as error:
        return error
    raise AssertionError("the input is invalid")


# --- spans -----------------------------------------------------------------------------------


Traced = tuple[trace.Tracer, InMemorySpanExporter]


@pytest.fixture
def traced() -> Iterator[Traced]:
    """A tracer whose spans end up, scrubbed, in the returned in-memory exporter."""
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ScrubbingSpanExporter(exported)))
    yield provider.get_tracer("test"), exported
    provider.shutdown()


def _only(exported: InMemorySpanExporter) -> ReadableSpan:
    (span,) = exported.get_finished_spans()
    return span


Export = Callable[[str, dict[str, AttributeValue]], ReadableSpan]


@pytest.fixture
def export(traced: Traced) -> Export:
    """One span with these attributes, started and ended: what the exporter received."""
    tracer, exported = traced

    def one_span(name: str, attributes: dict[str, AttributeValue]) -> ReadableSpan:
        with tracer.start_as_current_span(name, attributes=attributes):
            pass
        return _only(exported)

    return one_span


def test_span_url_attributes_lose_their_query_string(export: Export) -> None:
    span = export("POST /predict", {
        "http.url": f"https://h/predict?email={EMAIL}&token={TOKEN}",
        "url.full": f"https://h/predict?token={TOKEN}",
        "http.target": "/predict?id=42",
        "url.query": f"email={EMAIL}",
    })
    attributes = span.attributes or {}
    assert attributes["http.url"] == "https://h/predict"
    assert attributes["url.full"] == "https://h/predict"
    assert attributes["http.target"] == "/predict"
    assert "url.query" not in attributes
    assert EMAIL not in span.to_json() and TOKEN not in span.to_json()


def test_span_url_inside_free_text_loses_its_query_but_a_sql_placeholder_stays(export: Export) -> None:
    span = export("call", {
        "note": f"called https://api.example/v1/lookup?ref={TOKEN} ok",
        "db.statement": "SELECT score FROM runs WHERE id = ?",
    })
    attributes = span.attributes or {}
    assert attributes["note"] == "called https://api.example/v1/lookup ok"
    assert attributes["db.statement"] == "SELECT score FROM runs WHERE id = ?"


def test_span_exception_event_message_and_stacktrace_are_redacted(traced: Traced) -> None:
    tracer, exported = traced
    with tracer.start_as_current_span("lookup") as span:
        try:
            raise LookupError(f"no patient with email {EMAIL} and ssn {SSN}")
        except LookupError as error:
            span.record_exception(error)
    (event,) = _only(exported).events
    attributes = event.attributes or {}
    assert attributes["exception.message"] == (
        "no patient with email [REDACTED:email] and ssn [REDACTED:ssn]"
    )
    assert "[REDACTED:ssn]" in str(attributes["exception.stacktrace"])
    assert EMAIL not in _only(exported).to_json() and SSN not in _only(exported).to_json()


def test_span_exception_event_of_a_validation_error_keeps_only_locations_and_types(
    traced: Traced,
) -> None:
    tracer, exported = traced
    with tracer.start_as_current_span("parse") as span:
        span.record_exception(_validation_error())
    dumped = _only(exported).to_json()
    assert SECRET_INPUT not in dumped and "Input should be" not in dumped
    (event,) = _only(exported).events
    assert (event.attributes or {})["exception.message"] == (
        "2 validation errors for Features: age [int_parsing]; nickname [value_error]"
    )


def test_span_attributes_holding_a_card_number_or_bearer_token_are_redacted(export: Export) -> None:
    span = export("charge", {
        "payment.note": f"charged card {CARD}",
        "upstream.auth": f"Bearer {TOKEN}",
        "http.request.header.authorization": ["Basic dXNlcjpwYXNz"],
        "user.email": "anything at all",
        "client.tags": [f"vip {EMAIL}", "new"],
    })
    attributes = span.attributes or {}
    assert attributes["payment.note"] == "charged card [REDACTED:card]"
    assert attributes["upstream.auth"] == "Bearer [REDACTED:bearer]"
    assert attributes["http.request.header.authorization"] == "[REDACTED:authorization]"
    assert attributes["user.email"] == "[REDACTED:email]"
    assert attributes["client.tags"] == ["vip [REDACTED:email]", "new"]


def test_span_name_and_status_description_are_redacted(traced: Traced) -> None:
    tracer, exported = traced
    with tracer.start_as_current_span(f"GET /patients?email={EMAIL}") as span:
        span.set_status(Status(StatusCode.ERROR, f"no record for {SSN}"))
    exported_span = _only(exported)
    assert exported_span.name == "GET /patients"
    assert exported_span.status.status_code is StatusCode.ERROR
    assert exported_span.status.description == "no record for [REDACTED:ssn]"


def test_benign_span_is_exported_unchanged(traced: Traced) -> None:
    tracer, exported = traced
    benign: dict[str, AttributeValue] = {
        "http.method": "POST",
        "http.route": "/predict",
        "http.url": "http://127.0.0.1:3000/predict",
        "http.status_code": 200,
        "model.version": "3",
        "batch.sizes": (1, 2, 3),
        "net.peer.name": "localhost",
    }
    with tracer.start_as_current_span("POST /predict", attributes=benign) as span:
        span.add_event("scored", {"records": 2})
    exported_span = _only(exported)
    assert exported_span.name == "POST /predict"
    assert dict(exported_span.attributes or {}) == benign
    assert [(e.name, dict(e.attributes or {})) for e in exported_span.events] == [
        ("scored", {"records": 2})
    ]
    assert exported_span.kind is trace.SpanKind.INTERNAL
    assert exported_span.status.status_code is StatusCode.UNSET


def test_scrubbing_exporter_passes_results_flush_and_shutdown_through() -> None:
    inner = InMemorySpanExporter()
    exporter = ScrubbingSpanExporter(inner)
    assert exporter.export([]) is SpanExportResult.SUCCESS
    assert exporter.force_flush() is True
    exporter.shutdown()
    assert exporter.export([]) is SpanExportResult.FAILURE  # the inner one is shut down


# --- tracing configuration -------------------------------------------------------------------

_OTEL_VARIABLES = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_SAMPLER",
)


@pytest.fixture
def clean_tracing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[TracerProvider]]:
    """No OTEL_* settings; the global provider is recorded rather than set (it can be set once)."""
    from bentoml._internal.configuration.containers import BentoMLContainer

    for name in _OTEL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    installed: list[TracerProvider] = []
    monkeypatch.setattr(trace, "set_tracer_provider", installed.append)
    yield installed
    for provider in installed:
        provider.shutdown()
    BentoMLContainer.tracer_provider.reset()


def test_configure_tracing_gives_bentoml_and_the_global_api_one_scrubbing_provider(
    clean_tracing: list[TracerProvider],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bentoml._internal.configuration.containers import BentoMLContainer

    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    configure_tracing("inference-test")
    provider = BentoMLContainer.tracer_provider.get()
    assert clean_tracing == [provider]
    with provider.get_tracer("test").start_as_current_span("POST /predict") as span:
        span.set_attribute("http.url", f"http://h/predict?email={EMAIL}")
    provider.force_flush()
    (line,) = capsys.readouterr().out.splitlines()
    exported = json.loads(line)
    assert exported["attributes"]["http.url"] == "http://h/predict"
    assert exported["resource"]["attributes"]["service.name"] == "inference-test"


def test_configure_tracing_lets_otel_service_name_override_the_given_name(
    clean_tracing: list[TracerProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "from-env")
    configure_tracing("inference-test")
    (provider,) = clean_tracing
    assert provider.resource.attributes["service.name"] == "from-env"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OTEL_TRACES_EXPORTER", "zipkin"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")],
)
def test_configure_tracing_refuses_an_exporter_or_protocol_it_does_not_ship(
    clean_tracing: list[TracerProvider],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError):
        configure_tracing("inference-test")
    assert clean_tracing == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "console"}, ["console"]),
        ({"OTEL_TRACES_EXPORTER": "OTLP, console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, []),
    ],
)
def test_exporters_follow_otel_traces_exporter_else_an_otlp_endpoint_else_none(
    environ: dict[str, str], expected: list[str]
) -> None:
    assert _exporter_names(environ) == expected


# --- JSON logging ----------------------------------------------------------------------------

LogReader = Callable[[], list[dict[str, str]]]


@pytest.fixture
def json_log() -> Iterator[Callable[[], LogReader]]:
    """Installs JSON logging on demand, its handler writing to a buffer; the call returns a reader
    of the buffer's lines as JSON. Logging is put back as it was afterwards."""
    root = logging.getLogger()
    saved = [
        (logger, list(logger.handlers), list(logger.filters), logger.level, logger.propagate)
        for logger in [root, *(logging.getLogger(name) for name in SERVER_LOGGERS)]
    ]
    disabled = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and logger.disabled
    ]
    installed: list[logging.Handler] = []

    def install() -> LogReader:
        install_json_logging()
        (handler,) = root.handlers
        assert isinstance(handler, logging.StreamHandler)
        buffer = io.StringIO()
        handler.setStream(buffer)
        installed.append(handler)
        return lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield install
    uninstall_log_redaction()
    logging.captureWarnings(False)
    for handler in installed:
        root.removeHandler(handler)
    for logger, handlers, filters, level, propagate in saved:
        # The root's handlers are pytest's, which it removes itself.
        if logger is not root:
            logger.handlers, logger.filters = handlers, filters
        logger.setLevel(level)
        logger.propagate = propagate
    for logger in disabled:
        logger.disabled = True


@pytest.mark.parametrize("name", ["", *SERVER_LOGGERS])
def test_each_server_logger_writes_one_redacted_json_object_per_line(
    json_log: Callable[[], LogReader], name: str
) -> None:
    read = json_log()
    # WARNING: uvicorn.access drops INFO (see below).
    logging.getLogger(name).warning("lookup for %s with card %s", EMAIL, CARD)
    (entry,) = read()
    assert set(entry) == {"ts", "level", "logger", "message"}
    assert entry["logger"] == (name or "root")
    assert entry["level"] == "WARNING"
    assert entry["message"] == "lookup for [REDACTED:email] with card [REDACTED:card]"
    assert entry["ts"].endswith("Z")


def test_bentoml_access_info_line_is_logged_with_the_client_address_redacted(
    json_log: Callable[[], LogReader],
) -> None:
    read = json_log()
    logging.getLogger("bentoml.access").info(
        "%s (%s) (%s) %.3fms",
        "203.0.113.9:5123",
        "scheme=http,method=POST,path=/predict",
        "status=200",
        2.5,
    )
    (entry,) = read()
    assert entry["message"] == (
        "[REDACTED:ip]:5123 (scheme=http,method=POST,path=/predict) (status=200) 2.500ms"
    )


def test_uvicorn_access_info_lines_are_dropped_as_duplicates_carrying_the_query_string(
    json_log: Callable[[], LogReader],
) -> None:
    read = json_log()
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5123", "POST", f"/predict?ref={TOKEN}", "1.1", 200
    )
    assert read() == []


def test_json_log_message_with_newlines_stays_on_one_line(
    json_log: Callable[[], LogReader],
) -> None:
    read = json_log()
    logging.getLogger("bentoml").info('fine\n{"level": "INFO", "message": "forged"}')
    (entry,) = read()
    assert entry["message"] == 'fine\n{"level": "INFO", "message": "forged"}'


def test_json_log_carries_the_redacted_exception_as_exc(json_log: Callable[[], LogReader]) -> None:
    read = json_log()
    try:
        raise RuntimeError(f"token=hvs.CAESIJlU9JMYEhOPYv4KMvxEYEXAMPLE for {EMAIL}")
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("startup failed")
    (entry,) = read()
    assert entry["message"] == "startup failed"
    assert entry["exc"].startswith("Traceback (most recent call last):")
    assert entry["exc"].endswith("RuntimeError: token=[REDACTED:token] for [REDACTED:email]")


def test_http_app_validation_error_in_the_message_keeps_only_locations_and_types(
    json_log: Callable[[], LogReader],
) -> None:
    read = json_log()
    error = _validation_error()
    assert SECRET_INPUT in str(error)  # hide_input_in_errors=False: pydantic shows the input
    logging.getLogger("bentoml._internal.server.http_app").error(
        "Invalid JSON input received: %s", error
    )
    (entry,) = read()
    assert entry["message"] == (
        "Invalid JSON input received: 2 validation errors for Features: "
        "age [int_parsing]; nickname [value_error]"
    )


def test_http_app_validation_error_in_the_exception_keeps_only_locations_and_types(
    json_log: Callable[[], LogReader],
) -> None:
    read = json_log()
    # How BentoML 1.4 logs a bad request body: `log_exception(request)` inside the except.
    try:
        raise _validation_error()
    except ValidationError:
        logging.getLogger("bentoml._internal.server.http_app").error(
            "Exception on %s [%s]", "/predict", "POST", exc_info=True
        )
    (entry,) = read()
    assert entry["message"] == "Exception on /predict [POST]"
    assert SECRET_INPUT not in entry["exc"] and "is not allowed" not in entry["exc"]
    assert entry["exc"].endswith(
        "ValidationError: 2 validation errors for Features: "
        "age [int_parsing]; nickname [value_error]"
    )


def test_install_json_logging_replaces_what_bentoml_configured_and_reenables_loggers(
    json_log: Callable[[], LogReader],
) -> None:
    # What BentoML's dictConfig leaves: a text handler, `bentoml` not propagating, the loggers
    # that existed before it disabled.
    text = io.StringIO()
    bentoml_logger = logging.getLogger("bentoml")
    bentoml_logger.addHandler(logging.StreamHandler(text))
    bentoml_logger.propagate = False
    logging.getLogger("asyncio").disabled = True
    read = json_log()
    bentoml_logger.info("serving %s", EMAIL)
    logging.getLogger("asyncio").error("Task exception was never retrieved")
    assert text.getvalue() == ""
    assert [(entry["logger"], entry["message"]) for entry in read()] == [
        ("bentoml", "serving [REDACTED:email]"),
        ("asyncio", "Task exception was never retrieved"),
    ]


def test_install_json_logging_twice_leaves_one_handler_and_one_validation_filter(
    json_log: Callable[[], LogReader],
) -> None:
    json_log()
    read = json_log()
    logging.getLogger("bentoml").info("once")
    assert [entry["message"] for entry in read()] == ["once"]
    assert len(logging.getLogger("bentoml._internal.server.http_app").filters) == 1
