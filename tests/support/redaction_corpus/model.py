"""What a labelled corpus line is, and the names of its families and formats."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

PERSONAL: Final = (
    "email", "phone", "tax_id", "card", "iban", "ipv4", "ipv6", "mac", "name", "address", "id_number",
)
SECRETS: Final = (
    "github_token", "slack_token", "stripe_key", "google_api_key", "openai_key", "service_account",
    "http_basic", "session_cookie", "cli_password", "connection_string", "aws_key", "vault_token", "jwt",
)
FAMILIES: Final = PERSONAL + SECRETS
# Near misses: values a detector may take for a secret or an identifier, on lines with nothing to redact.
BENIGN: Final = (
    "commit", "digest", "uuid", "trace_id", "order_number", "version", "metric", "masked", "port_list",
    "title_case",
)
FORMATS: Final = ("plain", "logfmt", "jsonl", "access", "csv", "sql", "pylogging", "syslog")


class Label(NamedTuple):
    """One sensitive value, spelled exactly as it appears in its line."""

    family: str
    text: str


@dataclass(frozen=True)
class Line:
    """A log line with its labels. `kind` is its family (sensitive) or near-miss kind (benign)."""

    text: str
    kind: str
    format: str
    locale: str
    labels: tuple[Label, ...]

    @property
    def benign(self) -> bool:
        return not self.labels
