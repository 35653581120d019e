"""Input drift at inference: recent requests against the training profile, per feature.

Each worker keeps the last `window` values of every profiled feature and, every `refresh` new
records, sets the feature's population stability index (PSI) against the training data's shares
over the same bins: the training profile's quantile bins for numeric features, the contract's
allowed values for categorical ones. Only shares leave the window, never a value.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from secure_mlops.serving.metrics import ServiceMetrics
from secure_mlops.serving.schema import Feature
from secure_mlops.validation.drift import population_stability_index
from secure_mlops.validation.profile import ColumnProfile, DatasetProfile

# Fewer records than this say little about a distribution; PSI is not published before.
MIN_RECORDS = 50


class DriftMonitor:
    def __init__(
        self,
        profile: DatasetProfile,
        features: Sequence[Feature],
        metrics: ServiceMetrics,
        *,
        window: int,
        refresh: int = 25,
    ) -> None:
        self._metrics = metrics
        self._refresh = refresh
        self._window = window
        # (column in the record matrix, feature, its training profile)
        self._tracked = [(i, f, p) for i, f in enumerate(features)
                         if (p := profile.column(f.name)) is not None]
        self._values = np.zeros((window, len(features)), dtype=np.float64)
        self._seen = 0
        self._since_refresh = 0
        self._lock = threading.Lock()  # BentoML runs synchronous APIs on a thread pool

    def observe(self, x: np.ndarray) -> None:
        """Record a batch of rows (records x features, in schema order)."""
        with self._lock:
            for row in x[-self._window:]:
                self._values[self._seen % self._window] = row
                self._seen += 1
            self._since_refresh += len(x)
            if self._seen >= MIN_RECORDS and self._since_refresh >= self._refresh:
                self._since_refresh = 0
                self._publish()

    def _publish(self) -> None:
        recent = self._values[: min(self._seen, self._window)]
        for column, feature, reference in self._tracked:
            shares = _shares(recent[:, column], feature, reference)
            self._metrics.set_drift(feature.name, population_stability_index(reference.proportions, shares))


def _shares(values: np.ndarray, feature: Feature, reference: ColumnProfile) -> list[float]:
    total = len(values)
    if reference.kind == "numeric":
        bins = np.searchsorted(np.asarray(reference.edges, dtype=np.float64), values, side="right")
        counts = np.bincount(bins, minlength=len(reference.edges) + 1)
        return (counts / total).tolist()
    # Categorical: the profile's categories are the contract's allowed values, in order.
    allowed = np.asarray([float(v) for v in feature.allowed or ()], dtype=np.float64)
    matches = values[:, None] == allowed[None, :]
    counts = matches.sum(axis=0)
    other = total - int(counts.sum())
    return [*(counts / total).tolist(), other / total]
