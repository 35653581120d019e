"""The image every step runs in on a cluster (kfp.local ignores it and uses this venv)."""

from __future__ import annotations

import os

# Set SECURE_MLOPS_PIPELINE_IMAGE when compiling for your registry; pin it by digest in prod.
PIPELINE_IMAGE = os.environ.get("SECURE_MLOPS_PIPELINE_IMAGE", "ghcr.io/secure-mlops/pipeline:0.1.0")
