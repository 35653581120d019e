"""The inference service's library: `services/inference/service.py` only wires these.

    runtime = prepare(Path(__file__).parent)          # contract, profile, schema (at import)
    Service.add_asgi_middleware(RequestGuard, **guard_options(runtime))
    predictor = open_predictor(runtime, model_dir)     # verify the signed release, load the model

No model is loaded before its signed release verifies; no identifier reaches the model, no
probability vector leaves it, and no token or raw request value may be logged, traced or used
as a metric label. BentoML is imported only where the service runs; these modules import
without it.
"""

from __future__ import annotations

from secure_mlops.serving.guard import RequestGuard
from secure_mlops.serving.release import Release, read_release, verify_release
from secure_mlops.serving.runtime import (
    BATCH_ROUTE,
    PREDICT_ROUTE,
    SERVICE_NAME,
    Runtime,
    answering,
    guard_options,
    open_predictor,
    prepare,
    service_config,
)
from secure_mlops.serving.tokens import TokenStore

__all__ = [
    "BATCH_ROUTE",
    "PREDICT_ROUTE",
    "SERVICE_NAME",
    "Release",
    "RequestGuard",
    "Runtime",
    "TokenStore",
    "answering",
    "guard_options",
    "open_predictor",
    "prepare",
    "read_release",
    "service_config",
    "verify_release",
]
