"""The service's request and response models, generated from the data contract and the training
profile that the bento carries, so a bento serves its own contract's schema.

A record holds the contract's feature columns, each required, typed and bounded, and optionally
its correlation identifiers: the columns the contract pseudonymizes (such as a record id),
answered with their keyed pseudonym, and the columns it tokenizes, answered with their reversible
token. Identifiers are text of bounded length (an integer column's as its decimal digits) and
never reach the model. Nothing else is accepted.

Bounds of a feature: the contract's `min`/`max` where it sets them; otherwise the training
profile's observed range widened by its own width on each side. A value that far outside what
the model was trained on is an input error (or a probe), not something to extrapolate from.

Every model sets `hide_input_in_errors`: a validation error then names the field and the rule,
never the submitted value, wherever it is logged or returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    create_model,
    model_serializer,
)

from secure_mlops.privacy.contract import Action, Column, ColumnType, DataContract
from secure_mlops.training.features import feature_columns
from secure_mlops.validation.profile import DatasetProfile

MAX_IDENTIFIER_CHARS = 256
# An integer identifier as text: what the pipeline tokenized was the column's 64-bit integer.
_INTEGER_TEXT = r"^\s*[+-]?[0-9]{1,19}\s*$"
_INT64 = range(-(2**63), 2**63)
_CLOSED = ConfigDict(extra="forbid", allow_inf_nan=False, hide_input_in_errors=True, frozen=True,
                     populate_by_name=False)


class _Answer(BaseModel):
    """Built by field name, sent by alias (the contract's column names), without the
    identifiers a caller did not send."""

    model_config = ConfigDict(frozen=True, validate_by_name=True, serialize_by_alias=True)

    @model_serializer(mode="wrap")
    def _drop_unsent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


@dataclass(frozen=True)
class Feature:
    name: str
    type: ColumnType
    low: float | None
    high: float | None
    allowed: tuple[Any, ...] | None


@dataclass(frozen=True)
class TokenizedIdentifier:
    """A column the contract tokenizes, accepted as a correlation identifier."""

    name: str
    integer: bool
    """The column is an integer: the text sent is read as the integer the pipeline tokenized."""


@dataclass(frozen=True)
class ServingSchema:
    """What the service accepts and answers for one contract."""

    contract_name: str
    features: tuple[Feature, ...]
    identifiers: tuple[str, ...]
    """Columns sent back as pseudonyms, never given to the model (record fields i0, i1...)."""
    tokenized: tuple[TokenizedIdentifier, ...]
    """Columns sent back as reversible tokens, never given to the model (record fields t0, t1...)."""
    record: type[BaseModel]
    batch: type[BaseModel]
    """``{"records": [record, ...]}``, at most `max_batch` records."""
    prediction: type[BaseModel]
    batch_prediction: type[BaseModel]
    with_score: bool

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)


def build_schema(
    contract: DataContract,
    profile: DatasetProfile | None,
    *,
    classes: list[str] | None,
    max_batch: int,
    with_score: bool,
) -> ServingSchema:
    names, _ = feature_columns(contract)
    columns = {c.name: c for c in contract.columns}
    features = tuple(_feature(columns[name], profile) for name in names)
    identifiers = tuple(c.name for c in contract.columns if c.action is Action.PSEUDONYMIZE)
    tokenized = tuple(TokenizedIdentifier(c.name, c.type is ColumnType.INTEGER)
                      for c in contract.columns if c.action is Action.TOKENIZE)
    title = _title(contract.name)

    record_fields: dict[str, Any] = {f"f{i}": _feature_field(f) for i, f in enumerate(features)}
    record_fields.update({f"i{i}": _identifier_field(name, "sent back as its keyed pseudonym")
                          for i, name in enumerate(identifiers)})
    record_fields.update({f"t{i}": _tokenized_field(t) for i, t in enumerate(tokenized)})
    record = create_model(f"{title}Record", __config__=_CLOSED, **record_fields)
    batch = create_model(f"{title}Batch", __config__=_CLOSED,
                         records=(list[record], Field(min_length=1, max_length=max_batch)))  # type: ignore[valid-type]

    label_type = Literal[tuple(classes)] if classes else str  # type: ignore[valid-type]
    out_fields: dict[str, Any] = {"label": (label_type, Field(description="The predicted class."))}
    if with_score:
        out_fields["score"] = (float, Field(ge=0, le=1, description="The predicted class's probability, rounded."))
    out_fields.update({f"i{i}": _identifier_field(name, "the keyed pseudonym of the identifier sent")
                       for i, name in enumerate(identifiers)})
    out_fields.update({f"t{i}": (str | None, Field(None, alias=t.name, description="the reversible token of the identifier sent"))
                       for i, t in enumerate(tokenized)})
    prediction = create_model(f"{title}Prediction", __base__=_Answer, **out_fields)
    batch_prediction = create_model(f"{title}BatchPrediction", __base__=_Answer,
                                     predictions=(list[prediction], ...))  # type: ignore[valid-type]
    return ServingSchema(contract_name=contract.name, features=features, identifiers=identifiers, tokenized=tokenized,
                         record=record, batch=batch, prediction=prediction,
                         batch_prediction=batch_prediction, with_score=with_score)


def _feature(column: Column, profile: DatasetProfile | None) -> Feature:
    observed = profile.column(column.name) if profile is not None else None
    low = high = None
    if observed is not None and observed.low is not None and observed.high is not None:
        margin = observed.high - observed.low
        low, high = observed.low - margin, observed.high + margin
    allowed = tuple(column.allowed_values) if column.allowed_values is not None else None
    return Feature(
        name=column.name,
        type=column.type,
        low=float(column.min) if column.min is not None else low,  # type: ignore[arg-type]
        high=float(column.max) if column.max is not None else high,  # type: ignore[arg-type]
        allowed=allowed,
    )


def _feature_field(feature: Feature) -> tuple[Any, Any]:
    # Field names are positional (f0, f1...) and the column name is the alias: a contract's
    # column names need not be Python identifiers, and cannot shadow BaseModel attributes.
    if feature.allowed is not None:
        return Literal[feature.allowed], Field(alias=feature.name)  # type: ignore[valid-type]
    if feature.type is ColumnType.BOOLEAN:
        return bool, Field(alias=feature.name, strict=True)
    python_type = int if feature.type is ColumnType.INTEGER else float
    return python_type, Field(alias=feature.name, strict=True, ge=feature.low, le=feature.high)


def _identifier_field(name: str, description: str) -> tuple[Any, Any]:
    return (str | None, Field(None, alias=name, min_length=1, max_length=MAX_IDENTIFIER_CHARS,
                              description=description))


def _tokenized_field(column: TokenizedIdentifier) -> tuple[Any, Any]:
    description = "sent back as its reversible token (the re-identifier alone can read it back)"
    if not column.integer:
        return _identifier_field(column.name, description)
    # The constraints sit on the text type itself: given to the Field of an optional, pydantic
    # would not apply the pattern before the validator reads the text as an integer.
    text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_IDENTIFIER_CHARS, pattern=_INTEGER_TEXT),
                     AfterValidator(_in_int64)]
    return text | None, Field(None, alias=column.name, description=description + "; an integer, as text")


def _in_int64(text: str) -> str:
    # Our own words: int()'s error would quote the text, and `hide_input_in_errors` hides only
    # the input pydantic itself reports.
    try:
        fits = re.fullmatch(_INTEGER_TEXT, text) is not None and int(text) in _INT64
    except ValueError:
        fits = False
    if not fits:
        raise ValueError("the identifier is not an integer of at most 64 bits")
    return text


def _title(name: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in name).split()
    return "".join(w.capitalize() for w in words) or "Contract"
