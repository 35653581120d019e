"""Everything `services/inference/service.py` wires, built from the bento's files and settings.

Two moments, because BentoML needs the API's types when it imports the service (at build time
as well as in each worker), but must not load or trust a model before it is verified:

- `prepare(source_dir)`, at import: the release's contract and profile, the schema derived from
  them, the guard's options, logging and tracing;
- `open_predictor(runtime, model_dir)`, when a worker starts: verify the signed release (Vault
  Transit), load the model (skops, never pickle), connect the identifier masking (pseudonyms
  and tokens, each under the key version the signed manifest records).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secure_mlops.config import Settings, get_settings
from secure_mlops.errors import ConfigError, VaultError
from secure_mlops.packaging.layout import MODEL_FILENAME
from secure_mlops.packaging.manifest import SignedManifest, recorded_key
from secure_mlops.serving.drift import DriftMonitor
from secure_mlops.serving.metrics import OtlpMetrics, PrometheusMetrics
from secure_mlops.serving.predictor import IdentifierMasker, IdentifierTokenizer, Predictor
from secure_mlops.serving.ratelimit import RateLimiter
from secure_mlops.serving.release import Release, read_release, verify_release
from secure_mlops.serving.schema import ServingSchema, build_schema
from secure_mlops.serving.telemetry import configure_metrics, configure_tracing, install_json_logging
from secure_mlops.serving.tokens import TokenStore
from secure_mlops.training.features import feature_columns

PREDICT_ROUTE = "/predict"
BATCH_ROUTE = "/predict_batch"
SERVICE_NAME = "secure-mlops-inference"


@dataclass(frozen=True)
class Runtime:
    release: Release
    schema: ServingSchema
    settings: Settings
    metrics: PrometheusMetrics


def prepare(source_dir: Path, settings: Settings | None = None) -> Runtime:
    settings = settings or get_settings()
    release = read_release(source_dir)
    meter = None
    if release.bento_dir is not None:
        # Serving, not building: BentoML has set up its logging by now (see telemetry), and a
        # bento build must not rewire the logging of the process that builds it.
        install_json_logging()
        configure_tracing(SERVICE_NAME)
        meter = configure_metrics(SERVICE_NAME)
    _, label_name = feature_columns(release.contract)
    label = next(c for c in release.contract.columns if c.name == label_name)
    classes = [str(v) for v in label.allowed_values] if label.allowed_values else None
    schema = build_schema(release.contract, release.profile, classes=classes,
                          max_batch=settings.serving_max_batch,
                          with_score=settings.serving_output == "label-and-score")
    metrics = PrometheusMetrics(OtlpMetrics(meter) if meter is not None else None)
    return Runtime(release=release, schema=schema, settings=settings, metrics=metrics)


def service_config(runtime: Runtime) -> dict[str, Any]:
    """Keyword arguments of `@bentoml.service`."""
    s = runtime.settings
    config: dict[str, Any] = {
        "resources": {"cpu": "1", "memory": "512Mi"},
        "traffic": {"timeout": 10, "max_concurrency": 32},
        # The guard counts and logs every request by route template; BentoML's own metrics and
        # access log would label and log the raw path.
        "metrics": {"enabled": False},
        "logging": {"access": {"enabled": False}},
    }
    if s.serving_tls_cert or s.serving_tls_key:
        if not (s.serving_tls_cert and s.serving_tls_key):
            raise ConfigError("TLS needs both SECURE_MLOPS_SERVING_TLS_CERT and SECURE_MLOPS_SERVING_TLS_KEY")
        # BentoML has no certificate flag: TLS is the service's own configuration.
        config["ssl"] = {"enabled": True, "certfile": str(s.serving_tls_cert), "keyfile": str(s.serving_tls_key)}
    return config


def guard_options(runtime: Runtime) -> dict[str, Any]:
    """Keyword arguments of `RequestGuard` (BentoML builds the middleware in each worker)."""
    s = runtime.settings
    return {
        "tokens": TokenStore(s.token_file),
        "limiter": RateLimiter(s.serving_rate_per_second, s.serving_burst, s.serving_daily_budget),
        "max_body_bytes": s.serving_max_body_bytes,
        "schemas": {PREDICT_ROUTE: runtime.schema.record, BATCH_ROUTE: runtime.schema.batch},
        "metrics": runtime.metrics,
    }


def open_predictor(runtime: Runtime, model_dir: Path) -> Predictor:
    """Verify the release, then load its model: raises `IntegrityError` on any mismatch."""
    from secure_mlops.training.persistence import load_model  # deferred: scikit-learn loads slowly
    from secure_mlops.vault.services import manifest_signer, pseudonym_hmac_service

    s = runtime.settings
    signed = verify_release(runtime.release, model_dir, manifest_signer(s))
    estimator = load_model(Path(model_dir) / MODEL_FILENAME)
    # The pseudonyms of the training data: the key version its manifest records, and its scope.
    pseudonym = signed.manifest["keys"].get("pseudonym")
    version = pseudonym["version"] if isinstance(pseudonym, dict) else None
    masker = IdentifierMasker(lambda: pseudonym_hmac_service(s, key_version=version),
                              scope=runtime.release.contract.pseudonym_domain()) if runtime.schema.identifiers else None
    tokenizer = _tokenizer(runtime, signed) if runtime.schema.tokenized else None
    drift = DriftMonitor(runtime.release.profile, runtime.schema.features, runtime.metrics,
                         window=s.serving_drift_window)
    return Predictor(estimator, runtime.schema, masker=masker, tokenizer=tokenizer,
                     score_decimals=s.serving_score_decimals, metrics=runtime.metrics, drift=drift)


def _tokenizer(runtime: Runtime, signed: SignedManifest) -> IdentifierTokenizer:
    """Tokens as the training data's: its contract and columns, the token key and version its
    manifest records (tokens of another version do not join with them). A release whose data held
    no token records none: the key's latest then."""
    from secure_mlops.vault.services import token_service

    s = runtime.settings
    recorded = recorded_key(signed, "token")
    if recorded is not None and recorded[0] != s.token_key_name:
        raise ConfigError(f"the release's tokens were made with Transit key '{recorded[0]}', and this service "
                          f"would make them with '{s.token_key_name}'",
                          hint="set SECURE_MLOPS_TOKEN_KEY_NAME to the key the signed manifest records")
    version = recorded[1] if recorded is not None else None
    return IdentifierTokenizer(lambda: token_service(s, key_version=version),
                               contract_name=runtime.release.contract.name)


@contextmanager
def answering() -> Iterator[None]:
    """Vault unreachable while masking (pseudonyms or tokens): 503 (retry later), not a 500
    with a traceback."""
    try:
        yield
    except VaultError:
        from bentoml.exceptions import ServiceUnavailable

        raise ServiceUnavailable("identifier masking is unavailable; retry later") from None

