"""Floors under the redactor's recall and benign-kept rate on the three labelled corpora.

The figures themselves are the benchmark's (benchmarks/bench_redaction.py, docs/redaction.md);
these floors sit a little under them so that a change that loses detections, or starts to eat
benign lines, fails here rather than in a user's log. C is the held-out corpus: it judges, and
nothing is tuned to its lines.
"""

from __future__ import annotations

import pytest

from secure_mlops.redaction import redact
from tests.support.redaction_corpus import PERSONAL, SECRETS, Line, build_corpus, score
from tests.support.redaction_holdout import build_holdout

SEED = 20260314
# corpus: (secrets, personal data, benign lines kept)
FLOORS = {"A": (0.98, 0.97, 0.98), "B": (0.98, 0.96, 0.98), "C": (0.97, 0.92, 0.98)}


def _corpus(name: str) -> list[Line]:
    return build_holdout(seed=SEED) if name == "C" else build_corpus(name, seed=SEED)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_recall_and_benign_kept_stay_above_their_floors(name: str) -> None:
    secrets, personal, benign = FLOORS[name]
    result = score(_corpus(name), redact)
    assert result.recall(SECRETS) >= secrets
    assert result.recall(PERSONAL) >= personal
    assert result.kept_rate() >= benign
