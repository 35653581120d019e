"""Every sink redacts with the same detectors: the logging filter, the CLI's stream, span scrubbing.

A detector added to the Redactor must reach every place text leaves the process; this sends one
line holding a value of each kind of detector through each sink and expects what `redact` gives.
"""

from __future__ import annotations

import io
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from secure_mlops.redaction import RedactingFilter, redact, redact_stream
from secure_mlops.serving.telemetry import ScrubbingSpanExporter

# One value of each kind of detector (the key finder, shapes with check digits, service keys, cue
# words, street types, titles, percent-escapes, SQL statements).
VALUES = {
    "service key": "ghp_R8kq2Zt9Vw4Lm7Np0Qs3Xy6Ab1Cd5Ef8Gh2Jk",
    "national id": "131052-308T",
    "cued passport": "X1234567",
    "address": "Salzachstraße 27",
    "titled name": "Ana García",
    "encoded e-mail": "jan%40example.nl",
    "sql value": "Li Wei",
    "iban": "DE89 3704 0044 0532 0130 00",
}
LINE = (
    f"token {VALUES['service key']} hetu {VALUES['national id']} passport {VALUES['cued passport']} "  # noqa: S608 - a log line, not a query
    f"moved to {VALUES['address']} for Sra. {VALUES['titled name']} q={VALUES['encoded e-mail']} "
    f"INSERT INTO t (full_name) VALUES ('{VALUES['sql value']}') iban {VALUES['iban']}"
)


def test_the_line_holds_something_for_every_detector_and_redact_takes_it_all() -> None:
    redacted = redact(LINE)
    for kind, value in VALUES.items():
        assert value not in redacted, kind


def test_logging_filter_redacts_as_redact_does() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.sinks")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("%s", LINE)
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == redact(LINE) + "\n"


def test_cli_stream_redacts_as_redact_does() -> None:
    assert "".join(redact_stream(io.StringIO(LINE + "\n"))) == redact(LINE) + "\n"


@pytest.mark.parametrize("where", ["name", "attribute", "event"])
def test_span_scrubbing_redacts_as_redact_does(where: str) -> None:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ScrubbingSpanExporter(exported)))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(LINE if where == "name" else "op") as span:
        if where == "attribute":
            span.set_attribute("message", LINE)
        if where == "event":
            span.add_event("log", {"message": LINE})
    provider.shutdown()
    (finished,) = exported.get_finished_spans()
    seen = {
        "name": finished.name,
        "attribute": (finished.attributes or {}).get("message"),
        "event": (finished.events[0].attributes or {}).get("message") if finished.events else None,
    }[where]
    # Span scrubbing also drops URL query strings, which `q=...` is not part of here.
    assert seen == redact(LINE)
