"""Labelled log corpora for judging redaction, built from two separate template sets (A and B).

Each line carries the exact sensitive substrings it holds and their family, or is a benign near
miss (commit hashes, digests, UUIDs, trace ids, order numbers failing Luhn, versions, metrics) that
must come out unchanged. Detectors are shaped on one set and judged on the other: see templates.py.
"""

from tests.support.redaction_corpus.generator import build_corpus
from tests.support.redaction_corpus.model import BENIGN, FAMILIES, FORMATS, PERSONAL, SECRETS, Label, Line
from tests.support.redaction_corpus.scoring import Score, caught, score

__all__ = ["BENIGN", "FAMILIES", "FORMATS", "PERSONAL", "SECRETS", "Label", "Line", "Score", "build_corpus", "caught", "score"]
