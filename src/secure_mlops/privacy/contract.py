"""The data contract: what each column is, and what minimization does to it.

A contract lists every column we accept from a source, each with a `type`, a `classification`
(how identifying it is) and an `action` (what happens to it before anything is stored); columns
in the data but not in the contract are dropped, so a new upstream column never slips into
storage unreviewed. docs/contracts.md documents every field, action and rule, with examples.

The rules live in the model rather than in the YAML loader, so a contract built in code is held
to them as well; each one blocks a mistake that would leak data or silently do nothing (a kept
direct identifier, a masked feature, a constraint on a dropped column). The JSON Schema
(`contract_json_schema()`) describes the shapes only, not these rules.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from secure_mlops.digest import canonical_json, sha256_digest


class ColumnType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    DATE = "date"
    BOOLEAN = "boolean"


class Classification(StrEnum):
    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE = "sensitive"
    FEATURE = "feature"
    LABEL = "label"


class Action(StrEnum):
    DROP = "drop"
    KEEP = "keep"
    GENERALIZE = "generalize"
    MASK = "mask"
    PSEUDONYMIZE = "pseudonymize"
    TOKENIZE = "tokenize"


class PseudonymScope(StrEnum):
    GLOBAL = "global"
    DATASET = "dataset"


class DateGranularity(StrEnum):
    MONTH = "month"
    YEAR = "year"
    DECADE = "decade"


# Tokens are reversible (Vault Transit decrypts them for the re-identifier role): only a direct
# identifier may be tokenized, never a quasi-identifier or sensitive value that minimization
# generalizes or hides so that it cannot be read back.
_ALL_ACTIONS = frozenset(Action) - {Action.TOKENIZE}
_ALLOWED_ACTIONS: dict[Classification, frozenset[Action]] = {
    Classification.DIRECT_IDENTIFIER: frozenset({Action.DROP, Action.MASK, Action.PSEUDONYMIZE, Action.TOKENIZE}),
    Classification.QUASI_IDENTIFIER: _ALL_ACTIONS,
    Classification.SENSITIVE: _ALL_ACTIONS,
    Classification.FEATURE: frozenset({Action.DROP, Action.KEEP, Action.GENERALIZE}),
    Classification.LABEL: frozenset({Action.DROP, Action.KEEP, Action.GENERALIZE}),
}

# (action, type) -> (required params, optional params); a pair missing here is not supported.
_PARAMS: dict[tuple[Action, ColumnType], tuple[frozenset[str], frozenset[str]]] = {
    **{(Action.DROP, t): (frozenset(), frozenset()) for t in ColumnType},
    **{(Action.KEEP, t): (frozenset(), frozenset()) for t in ColumnType},
    (Action.GENERALIZE, ColumnType.INTEGER): (frozenset({"bucket"}), frozenset()),
    (Action.GENERALIZE, ColumnType.FLOAT): (frozenset({"bucket"}), frozenset()),
    (Action.GENERALIZE, ColumnType.DATE): (frozenset({"to"}), frozenset()),
    (Action.GENERALIZE, ColumnType.STRING): (frozenset({"keep_chars"}), frozenset()),
    (Action.MASK, ColumnType.STRING): (frozenset(), frozenset({"keep_last"})),
    (Action.PSEUDONYMIZE, ColumnType.STRING): (frozenset(), frozenset()),
    (Action.PSEUDONYMIZE, ColumnType.INTEGER): (frozenset(), frozenset()),
    # Integers are tokenized as their decimal text; the token column is text either way.
    (Action.TOKENIZE, ColumnType.STRING): (frozenset(), frozenset()),
    (Action.TOKENIZE, ColumnType.INTEGER): (frozenset(), frozenset()),
}

Scalar = bool | int | float | dt.date | str


def _rule(detail: str, at: str = "") -> PydanticCustomError:
    """A broken contract rule; `at` extends the error location below the validated model."""
    return PydanticCustomError("contract_rule", "{detail}", {"detail": detail, "at": at})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnParams(_Strict):
    """Parameters of an action; which ones apply depends on the action and the column type."""

    bucket: int | float | None = Field(default=None, gt=0)
    to: DateGranularity | None = None
    keep_chars: int | None = Field(default=None, ge=1)
    keep_last: int | None = Field(default=None, ge=0)


class Column(_Strict):
    name: str = Field(min_length=1)
    type: ColumnType
    classification: Classification
    action: Action
    params: ColumnParams = ColumnParams()
    description: str | None = None
    nullable: bool = True
    min: int | float | dt.date | None = None
    max: int | float | dt.date | None = None
    allowed_values: list[Scalar] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check_rules(self) -> Column:
        self._check_action()
        self._check_params()
        self._check_constraints()
        return self

    def _check_action(self) -> None:
        allowed = _ALLOWED_ACTIONS[self.classification]
        if self.action not in allowed:
            choices = ", ".join(a.value for a in Action if a in allowed)
            raise _rule(
                f"a {self.classification.value} cannot be {_past(self.action)} "
                f"(allowed: {choices})",
                "action",
            )

    def _check_params(self) -> None:
        spec = _PARAMS.get((self.action, self.type))
        if spec is None:
            raise _rule(f"{self.action.value} is not defined for {self.type.value} columns",
                        "action")
        required, optional = spec
        given = self.params.model_fields_set
        unexpected = sorted(given - required - optional)
        if unexpected:
            raise _rule(f"{unexpected[0]} does not apply to {self.action.value} of "
                        f"{_a(self.type)} column", f"params.{unexpected[0]}")
        missing = sorted(required - given)
        if missing:
            raise _rule(f"{self.action.value} of {_a(self.type)} column needs params.{missing[0]}",
                        "params")
        bucket = self.params.bucket
        if self.type is ColumnType.INTEGER and bucket is not None and not isinstance(bucket, int):
            raise _rule("the bucket of an integer column must be a whole number", "params.bucket")

    def _check_constraints(self) -> None:
        if self.action is Action.DROP:
            for field in ("nullable", "min", "max", "allowed_values"):
                if field in self.model_fields_set:
                    raise _rule("a dropped column takes no constraints (they would never be "
                                "checked)", field)
            return
        for field in ("min", "max"):
            bound = getattr(self, field)
            if bound is not None and not _fits(bound, self.type, numeric_only=True):
                raise _rule(f"{field} does not fit {_a(self.type)} column", field)
        # Both bounds fit the column's type (checked above), so they compare.
        low, high = self.min, self.max
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            raise _rule("min is greater than max", "min")
        if self.allowed_values is None:
            return
        if self.classification is Classification.DIRECT_IDENTIFIER:
            raise _rule("allowed_values would copy direct identifiers into the contract",
                        "allowed_values")
        if self.action in (Action.MASK, Action.PSEUDONYMIZE, Action.TOKENIZE):
            raise _rule(f"allowed_values cannot describe a {_past(self.action)} column",
                        "allowed_values")
        for i, value in enumerate(self.allowed_values):
            if not _fits(value, self.type, numeric_only=False):
                raise _rule(f"allowed value does not fit {_a(self.type)} column",
                            f"allowed_values.{i}")


def _a(column_type: ColumnType) -> str:
    article = "an" if column_type is ColumnType.INTEGER else "a"
    return f"{article} {column_type.value}"


def _past(action: Action) -> str:
    return {"drop": "dropped", "keep": "kept", "generalize": "generalized", "mask": "masked",
            "pseudonymize": "pseudonymized", "tokenize": "tokenized"}[action.value]


def _fits(value: Scalar, column_type: ColumnType, *, numeric_only: bool) -> bool:
    """Whether a contract value (bound or allowed value) has the column's type."""
    # bool is an int in Python and datetime a date: test the narrow types first.
    if column_type is ColumnType.INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    if column_type is ColumnType.FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if column_type is ColumnType.DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if numeric_only:
        return False
    if column_type is ColumnType.BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, str)


class KAnonymity(_Strict):
    k: int = Field(default=5, ge=1)


class ModelCardText(_Strict):
    """What a model trained on the data is for, in the data owner's words: the model card quotes
    it (Markdown allowed) and says so when a part is not stated."""

    purpose: str | None = Field(default=None, min_length=1)
    intended_use: str | None = Field(default=None, min_length=1)
    out_of_scope_use: str | None = Field(default=None, min_length=1)


class DifferentialPrivacy(_Strict):
    """What differentially private training may spend on this contract's data, and the range each
    feature is clipped to first.

    `total_epsilon` is the budget per dataset: the sum of ε over every DP run on the same
    minimized data (the ledger in the audit store). `bounds` maps a feature to `[low, high]`; a
    feature without one uses the column's `min` and `max`, and a boolean is [0, 1]. Bounds are the
    data owner's statement of the plausible range, never read from the data (the data's own range
    would leak its extremes); training clips a value outside them to the nearest bound.
    """

    total_epsilon: float = Field(gt=0, allow_inf_nan=False)
    bounds: dict[str, tuple[float, float]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_bounds(self) -> DifferentialPrivacy:
        for name, (low, high) in self.bounds.items():
            if not low < high:
                raise _rule("the low bound must be below the high bound", f"bounds.{name}")
        return self


class DataContract(_Strict):
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    description: str | None = None
    k_anonymity: KAnonymity = KAnonymity()
    pseudonym_scope: PseudonymScope = PseudonymScope.GLOBAL
    model_card: ModelCardText | None = None
    differential_privacy: DifferentialPrivacy | None = None
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_columns(self) -> DataContract:
        first_seen: dict[str, int] = {}
        for i, column in enumerate(self.columns):
            if column.name in first_seen:
                first = first_seen[column.name]
                raise _rule(f"duplicate column {column.name!r} (first at columns[{first}])",
                            f"columns.{i}.name")
            first_seen[column.name] = i
        if all(c.action is Action.DROP for c in self.columns):
            raise _rule("every column is dropped: the output would be empty", "columns")
        if self.differential_privacy is not None:
            features = {c.name for c in self.columns if c.classification is Classification.FEATURE
                        and c.action is not Action.DROP and c.type in (ColumnType.INTEGER, ColumnType.FLOAT)}
            for name in self.differential_privacy.bounds:
                if name not in features:
                    raise _rule(f"{name!r} is not a kept integer or float feature column",
                                f"differential_privacy.bounds.{name}")
        return self

    def quasi_identifiers(self) -> list[str]:
        """Quasi-identifier columns present in the output: the keys of the k-anonymity check."""
        return [c.name for c in self.columns
                if c.classification is Classification.QUASI_IDENTIFIER
                and c.action is not Action.DROP]

    def identifier_columns(self) -> list[str]:
        """Columns whose values identify a person, alone or combined (log redaction keys)."""
        identifying = (Classification.DIRECT_IDENTIFIER, Classification.QUASI_IDENTIFIER)
        return [c.name for c in self.columns if c.classification in identifying]

    def pseudonym_domain(self) -> str | None:
        """What pseudonyms are scoped to: the contract's name with `pseudonym_scope: dataset`,
        None for global pseudonyms."""
        return self.name if self.pseudonym_scope is PseudonymScope.DATASET else None

    def digest(self) -> str:
        """``sha256:<hex>`` of the contract's canonical JSON: names the rules, whatever the YAML
        layout."""
        rules = self.model_dump(mode="json")
        if self.pseudonym_scope is PseudonymScope.GLOBAL:
            # The default is left out, so contracts written before the option keep their digest
            # (profiles and signed manifests record it).
            del rules["pseudonym_scope"]
        if self.differential_privacy is None:
            del rules["differential_privacy"]  # likewise: contracts without DP keep their digest
        # The model card's text says what a model is for, not what data is accepted or how it is
        # minimized: rewording it must not orphan the drift profiles and manifests made under
        # the same rules.
        del rules["model_card"]
        return sha256_digest(canonical_json(rules))


def contract_json_schema() -> dict[str, Any]:
    """JSON Schema of the contract's shape (editor support, review tooling)."""
    return DataContract.model_json_schema()
