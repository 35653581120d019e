"""Logs and traces of the inference service that carry no request data.

Call both from the service module, at import, before the `@bentoml.service` class:

    install_json_logging()
    configure_tracing("secure-mlops-inference")

Logging: BentoML configures logging itself in every process (`configure_server_logging()`, a
`dictConfig` that puts a text handler on stdout on the root, `bentoml`, `uvicorn.error` and
`circus` loggers and disables loggers it does not name), and it does so before it imports the
service module, in the `bentoml serve` process and in each worker. So installing at import runs
after it and replaces its handlers with one JSON handler on stderr; uvicorn is started with
`log_config=None` and changes nothing afterwards. The service's `__init__` is too late: the
`bentoml serve` process never runs it, and a worker runs it after uvicorn's first lines and after
BentoML's app has taken its tracer provider.

Tracing: BentoML does not use the global tracer provider. Its HTTP app passes
`BentoMLContainer.tracer_provider` (its own provider, built from BentoML's `tracing` settings,
sampling nothing unless `tracing.sample_rate` is set) to OpenTelemetry's ASGI middleware when the
worker builds the app (`service.to_asgi()`), after the import. `configure_tracing` puts its own provider in that container slot
(and makes it the global one), so BentoML's spans and the service's own spans go through the
scrubbing exporter, sampled per `OTEL_TRACES_SAMPLER`; BentoML's `tracing` settings are not used.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Final

from opentelemetry import trace
from opentelemetry.metrics import Meter
from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Link, Status
from opentelemetry.util.types import Attributes, AttributeValue

from secure_mlops.errors import ConfigError
from secure_mlops.redaction import Redactor, install_log_redaction
from secure_mlops.redaction.redactor import default_redactor

SERVER_LOGGERS: Final = (
    "bentoml",
    "bentoml.access",
    "bentoml._internal.server.http_app",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "circus",
)
"""The loggers of a BentoML server process that `install_json_logging` routes to its handler."""

_HTTP_APP_LOGGER: Final = "bentoml._internal.server.http_app"
# uvicorn's access line repeats BentoML's `bentoml.access` one, and carries the query string.
_UVICORN_ACCESS_LOGGER: Final = "uvicorn.access"

# pydantic renders a ValidationError as a header, then per error an optional location line and an
# indented message line ending in `[type=..., input_value=..., input_type=...]`, then a link.
# Titles (`Model`, `tuple[int, str]`) hold no colon, and the summary adds one: a summary is not
# read as a header again when a record meets the filter twice (logger, then handler).
_VALIDATION_MARK: Final = "validation error"
_VALIDATION_HEADER: Final = re.compile(r"(?P<count>[0-9]+) validation errors? for [^:]+$")
_ERROR_TYPE: Final = re.compile(r"\[type=(?P<type>[\w.\-]+)")
_ERROR_LINK: Final = "    For further information visit"


def _summarize_validation_errors(text: str) -> str:
    """`text` with each rendered pydantic ValidationError cut to its field locations and error
    types. The messages go too: a validator's message may quote the input."""
    if _VALIDATION_MARK not in text:
        return text
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        header = _VALIDATION_HEADER.search(line)
        index += 1
        if header is None:
            out.append(line)
            continue
        errors: list[str] = []
        for _ in range(int(header["count"])):
            location = "(root)"
            if index < len(lines) and not lines[index].startswith(" "):
                location = lines[index]
                index += 1
            # A message may span lines; the error ends at its `[type=` line.
            found = None
            while found is None and index < len(lines):
                found = _ERROR_TYPE.search(lines[index])
                index += 1
            if found is None:  # not pydantic's layout after all: drop it, it may be input
                break
            if index < len(lines) and lines[index].startswith(_ERROR_LINK):
                index += 1
            errors.append(f"{location} [{found['type']}]")
        out.append(f"{line}: {'; '.join(errors)}")
    return "\n".join(out)


class _ValidationErrorFilter(logging.Filter):
    """Cuts rendered pydantic ValidationErrors in a record's message and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string; RedactingFilter deals with it
            return True
        if _VALIDATION_MARK in message:
            record.msg, record.args = _summarize_validation_errors(message), ()
        if record.exc_text:
            record.exc_text = _summarize_validation_errors(record.exc_text)
        return True


class _JsonFormatter(logging.Formatter):
    """One JSON object a record; `json.dumps` escapes newlines, so a message cannot forge lines."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        entry = {
            "ts": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # RedactingFilter has rendered the exception into exc_text, redacted, and dropped exc_info.
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry)


def _set_handlers(logger: logging.Logger, handlers: Sequence[logging.Handler]) -> None:
    for old in list(logger.handlers):
        logger.removeHandler(old)
    for handler in handlers:
        logger.addHandler(handler)


def install_json_logging(level: int = logging.INFO) -> None:
    """Log every record of the process as one redacted JSON object per line on stderr.

    Replaces the handlers on the root logger and on `SERVER_LOGGERS` (which then propagate to the
    root), and re-enables every logger: BentoML's `dictConfig` disables the loggers that existed
    before it ran, `asyncio` among them, which would drop "Task exception was never retrieved".
    Call it at the service module's import (see the module docstring); calling it again is
    harmless.
    """
    redacting = install_log_redaction()
    validation = _ValidationErrorFilter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    # Redact first: the validation filter then sees flattened messages and rendered exceptions.
    handler.addFilter(redacting)
    handler.addFilter(validation)
    root = logging.getLogger()
    _set_handlers(root, [handler])
    root.setLevel(level)
    for existing in list(logging.root.manager.loggerDict.values()):
        if isinstance(existing, logging.Logger):
            existing.disabled = False
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        _set_handlers(logger, [])
        logger.propagate = True
        logger.disabled = False
        logger.setLevel(logging.NOTSET)
    logging.getLogger(_UVICORN_ACCESS_LOGGER).setLevel(max(level, logging.WARNING))
    # On the logger too, so a handler added later (an OpenTelemetry log exporter) gets the cut
    # record; the handler's copy covers other loggers.
    http_app = logging.getLogger(_HTTP_APP_LOGGER)
    for old in [f for f in http_app.filters if isinstance(f, _ValidationErrorFilter)]:
        http_app.removeFilter(old)
    http_app.addFilter(validation)
    # warnings.warn would otherwise print plain text to stderr between the JSON lines.
    logging.captureWarnings(True)


# Attributes whose value is a URL or a request target: the query string goes, whatever it holds.
_URL_KEYS: Final = frozenset({"http.url", "url.full", "http.target"})
_QUERY_KEY: Final = "url.query"
# A URL or an absolute path followed by a query string, anywhere in free text (a `?` alone, as in
# SQL, stays).
_URL_WITH_QUERY: Final = re.compile(
    r"((?:[A-Za-z][A-Za-z0-9+.\-]*://|/)[^\s?#\"'<>]*)\?[^\s#\"'<>]*"
)


class ScrubbingSpanExporter(SpanExporter):
    """Exports copies of the spans with query strings, PII and secrets removed.

    A span is immutable once it ends, so rather than editing it this rebuilds it: its name,
    attribute values (and those of its events and links: exception messages and stack traces),
    and status description go through the redactor; attributes with a sensitive name lose their
    whole value; URLs lose their query string; pydantic errors keep only locations and types.
    """

    def __init__(self, inner: SpanExporter, redactor: Redactor | None = None) -> None:
        self.inner = inner
        self.redactor = redactor or default_redactor()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._scrub(span) for span in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)

    def _scrub(self, span: ReadableSpan) -> ReadableSpan:
        status = span.status
        return ReadableSpan(
            name=self._text(span.name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=self._attributes(span.attributes),
            events=[
                Event(self._text(event.name), self._attributes(event.attributes), event.timestamp)
                for event in span.events
            ],
            links=[Link(link.context, self._attributes(link.attributes)) for link in span.links],
            kind=span.kind,
            status=Status(
                status.status_code, status.description and self._text(status.description)
            ),
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def _attributes(self, attributes: Attributes) -> dict[str, AttributeValue]:
        scrubbed: dict[str, AttributeValue] = {}
        for key, value in (attributes or {}).items():
            if key == _QUERY_KEY:
                continue
            label = self.redactor.label_for(key)
            if label is not None:
                scrubbed[key] = label
            elif isinstance(value, str):
                scrubbed[key] = self._text(value.partition("?")[0] if key in _URL_KEYS else value)
            elif isinstance(value, Sequence) and value and isinstance(value[0], str):
                scrubbed[key] = [self._text(item) for item in value if isinstance(item, str)]
            else:
                scrubbed[key] = value
        return scrubbed

    def _text(self, text: str) -> str:
        if "?" in text:
            text = _URL_WITH_QUERY.sub(r"\1", text)
        return self.redactor.redact(_summarize_validation_errors(text))


def _signal_variables(signal: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(endpoint variables, protocol variables) of a signal (TRACES, METRICS), specific first."""
    return ((f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
            (f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"))


def _check_otlp_protocol(signal: str) -> None:
    protocol = next(
        (os.environ[var] for var in _signal_variables(signal)[1] if os.environ.get(var)), "http/protobuf"
    )
    if protocol != "http/protobuf":
        raise ConfigError(
            f"OTLP protocol {protocol!r} is not supported",
            hint="the inference image ships the OTLP/HTTP exporter: use http/protobuf",
        )


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        # One span per line, like the logs (the default pretty-prints over many lines); stdout as
        # it is now (the default is bound when the SDK is imported).
        return ConsoleSpanExporter(
            out=sys.stdout, formatter=lambda span: span.to_json(indent=None) + "\n"
        )
    if name == "otlp":
        _check_otlp_protocol("TRACES")
        # Imported here: only the inference image installs it.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        # It reads the endpoint, headers, certificates, compression and timeout from OTEL_*.
        return OTLPSpanExporter()
    raise ConfigError(
        f"OTEL_TRACES_EXPORTER {name!r} is not supported", hint="use otlp, console or none"
    )


def _exporter_names(environ: Mapping[str, str], signal: str = "TRACES") -> list[str]:
    """The exporters asked for: OTEL_<SIGNAL>_EXPORTER (a comma list), else OTLP when an OTLP
    endpoint is set, else none (the SDK's default would be OTLP to localhost)."""
    configured = environ.get(f"OTEL_{signal}_EXPORTER", "").strip().lower()
    if not configured:
        return ["otlp"] if any(environ.get(name) for name in _signal_variables(signal)[0]) else []
    names = [name.strip() for name in configured.split(",") if name.strip()]
    return [] if "none" in names else names


def configure_tracing(service_name: str) -> None:
    """Trace the service per the standard `OTEL_*` variables, every exporter behind scrubbing.

    Exporters: `OTEL_TRACES_EXPORTER` (`otlp`, `console`, `none`); unset, OTLP/HTTP when
    `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, else none.
    `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` override `service_name`. Call it once per
    process at the service module's import, before BentoML builds its app (module docstring);
    an unsupported exporter or protocol raises ConfigError.
    """
    # Imported here: BentoML is heavy, and the rest of this module does not need it.
    from bentoml._internal.configuration.containers import BentoMLContainer

    exporters = [_exporter(name) for name in _exporter_names(os.environ)]
    # Without an exporter, recording spans nobody reads cost more per request than the whole
    # request guard (benchmarks/bench_serving.py): sample none.
    sampler = None if exporters else ALWAYS_OFF
    provider = TracerProvider(resource=_resource(service_name), sampler=sampler)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(ScrubbingSpanExporter(exporter)))
    BentoMLContainer.tracer_provider.set(provider)
    trace.set_tracer_provider(provider)


def _resource(service_name: str) -> Resource:
    # Attributes passed to Resource.create win over the environment's; the spec wants the reverse.
    environment = OTELResourceDetector().detect().attributes
    return Resource.create({SERVICE_NAME: service_name, **environment})


def configure_metrics(service_name: str) -> Meter | None:
    """A meter exporting over OTLP/HTTP when `OTEL_METRICS_EXPORTER` says `otlp`, or (unset) when
    an OTLP endpoint is set; else None (Prometheus's `/metrics` is always there). The interval is
    `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds, the SDK's variable)."""
    names = _exporter_names(os.environ, "METRICS")
    unknown = sorted(set(names) - {"otlp"})
    if unknown:
        raise ConfigError(f"metrics exporter {unknown[0]!r} is not supported", hint="use otlp or none")
    if not names:
        return None
    _check_otlp_protocol("METRICS")
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    provider = MeterProvider(resource=_resource(service_name),
                             metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
    return provider.get_meter("secure_mlops.serving")


__all__ = [
    "SERVER_LOGGERS",
    "ScrubbingSpanExporter",
    "configure_metrics",
    "configure_tracing",
    "install_json_logging",
]
