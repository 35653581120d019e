"""From validated records to coarse answers: identifiers masked, features to the model, the label
and a rounded score out.

The output is coarse on purpose: the label, and the label's probability rounded to a few
decimals (one by default), or the label only. Full-precision scores and probability vectors
are what model-inversion and membership-inference attacks feed on; a tenth is enough for a
caller to tell a confident answer from a coin toss.

Correlation identifiers never reach the model: the columns the contract pseudonymizes are
replaced by the pipeline's keyed pseudonym (HMAC in Vault Transit), the columns it tokenizes by
the pipeline's reversible token (convergent encryption in Vault Transit, under the training
data's key version), and returned as such, so a caller can match answers to its records and to
the training data's pseudonyms and tokens (and the re-identifier can read a token back), and
nothing downstream of this function ever holds the identifier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import pyarrow as pa
from pydantic import BaseModel

from secure_mlops.errors import InputError, VaultError
from secure_mlops.privacy.hmac import HmacService
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.privacy.tokenize import Tokenizer, TokenService
from secure_mlops.serving.drift import DriftMonitor
from secure_mlops.serving.metrics import ServiceMetrics
from secure_mlops.serving.schema import ServingSchema, TokenizedIdentifier

Client = TypeVar("Client")
Answer = TypeVar("Answer")


class Classifier(Protocol):
    classes_: Any

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


class _LoggedIn(Generic[Client]):
    """A Vault-backed client, made again once when a call fails: a Kubernetes-auth token lives an
    hour, and the service runs longer."""

    def __init__(self, make: Callable[[], Client]) -> None:
        self._make = make
        self._client = make()

    def call(self, use: Callable[[Client], Answer]) -> Answer:
        try:
            return use(self._client)
        except VaultError:
            self._client = self._make()
            return use(self._client)


class IdentifierMasker:
    """Keyed pseudonyms of identifiers, through a Vault HMAC service logged in to again once when
    a call fails. `scope` is the contract's pseudonym scope, as the pipeline used it."""

    def __init__(self, connect: Callable[[], HmacService], *, scope: str | None = None) -> None:
        self._pseudonymizer = _LoggedIn(lambda: Pseudonymizer(connect(), scope=scope))

    def pseudonyms(self, values: Sequence[str]) -> list[str]:
        array = pa.array(values, type=pa.string())
        return self._pseudonymizer.call(lambda p: p.pseudonymize(array).to_pylist())


class IdentifierTokenizer:
    """Reversible tokens of identifiers, made exactly as the pipeline made them (contract and
    column context, an integer column's values as integers), through a Vault token service pinned
    to the training data's key version, logged in to again once when a call fails."""

    def __init__(self, connect: Callable[[], TokenService], *, contract_name: str) -> None:
        self._tokenizer = _LoggedIn(lambda: Tokenizer(connect(), contract_name=contract_name))

    def tokens(self, column: TokenizedIdentifier, values: Sequence[str]) -> list[str]:
        # The schema has checked that an integer column's text is a 64-bit integer.
        array = (pa.array([int(v) for v in values], type=pa.int64()) if column.integer
                 else pa.array(values, type=pa.string()))
        return self._tokenizer.call(lambda t: t.for_column(column.name)(array).to_pylist())


class Predictor:
    def __init__(
        self,
        estimator: Classifier,
        schema: ServingSchema,
        *,
        masker: IdentifierMasker | None,
        score_decimals: int,
        metrics: ServiceMetrics,
        drift: DriftMonitor,
        tokenizer: IdentifierTokenizer | None = None,
    ) -> None:
        check_model_fits(estimator, schema)
        if schema.identifiers and masker is None:
            raise InputError("the contract has correlation identifiers but no way to mask them")
        if schema.tokenized and tokenizer is None:
            raise InputError("the contract has tokenized identifiers but no way to tokenize them")
        self._estimator = estimator
        self._schema = schema
        self._masker = masker
        self._tokenizer = tokenizer
        self._decimals = score_decimals
        self._metrics = metrics
        self._drift = drift
        self._classes = [str(c) for c in estimator.classes_]
        self._feature_fields = [f"f{i}" for i in range(len(schema.features))]

    def predict(self, records: Sequence[BaseModel]) -> list[BaseModel]:
        x = np.array([[getattr(r, name) for name in self._feature_fields] for r in records],
                     dtype=np.float64)
        probabilities = self._estimator.predict_proba(x)
        best = probabilities.argmax(axis=1)
        labels = [self._classes[i] for i in best]
        answers: list[dict[str, Any]] = [{"label": label} for label in labels]
        if self._schema.with_score:
            for answer, row, i in zip(answers, probabilities, best, strict=True):
                answer["score"] = round(float(row[i]), self._decimals)
        self._mask_identifiers(records, answers)
        self._tokenize_identifiers(records, answers)
        self._metrics.observe_labels(labels)
        self._drift.observe(x)
        return [self._schema.prediction.model_validate(answer) for answer in answers]

    def _mask_identifiers(self, records: Sequence[BaseModel], answers: list[dict[str, Any]]) -> None:
        if self._masker is None:
            return
        fields = [f"i{i}" for i in range(len(self._schema.identifiers))]
        sent = [(n, field, value) for n, record in enumerate(records) for field in fields
                if (value := getattr(record, field)) is not None]
        if not sent:
            return
        pseudonyms = self._masker.pseudonyms([value for _, _, value in sent])
        for (n, field, _), pseudonym in zip(sent, pseudonyms, strict=True):
            answers[n][field] = pseudonym

    def _tokenize_identifiers(self, records: Sequence[BaseModel], answers: list[dict[str, Any]]) -> None:
        if self._tokenizer is None:
            return
        for i, column in enumerate(self._schema.tokenized):
            field = f"t{i}"
            sent = [(n, value) for n, record in enumerate(records) if (value := getattr(record, field)) is not None]
            if not sent:
                continue
            tokens = self._tokenizer.tokens(column, [value for _, value in sent])
            for (n, _), token in zip(sent, tokens, strict=True):
                answers[n][field] = token


def check_model_fits(estimator: Classifier, schema: ServingSchema) -> None:
    """The model is a classifier taking exactly the contract's features."""
    if not hasattr(estimator, "predict_proba"):
        raise InputError("the packaged model has no predict_proba; a classifier is required")
    expected = getattr(estimator, "n_features_in_", len(schema.features))
    if expected != len(schema.features):
        raise InputError(
            f"the packaged model takes {expected} features but contract {schema.contract_name!r} "
            f"has {len(schema.features)} ({', '.join(schema.feature_names)})",
            hint="package the model with the contract it was trained on",
        )
