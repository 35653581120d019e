"""The k-anonymity gate: every combination of quasi-identifier values, as written, must occur
in at least k rows of the whole file.

Counts are accumulated batch by batch into one table of (quasi-identifier values, count); its
memory is bounded by the number of distinct groups, not by the number of rows. Results and
errors carry counts only, never the values that form a group.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict

_COUNT = "__rows"


class KAnonymityResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    quasi_identifiers: list[str]
    k_required: int
    k_achieved: int | None  # None when the file has no rows
    groups: int
    groups_below_k: int
    rows_below_k: int

    @property
    def satisfied(self) -> bool:
        return self.groups_below_k == 0


class GroupCounter:
    """Row counts per combination of quasi-identifier values, accumulated over batches."""

    def __init__(self, quasi_identifiers: Sequence[str]) -> None:
        self._keys = list(quasi_identifiers)
        self._counts: pa.Table | None = None
        self._rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self._rows += batch.num_rows
        if not self._keys or batch.num_rows == 0:
            return
        table = pa.Table.from_batches([batch.select(self._keys)])
        counts = table.group_by(self._keys).aggregate([([], "count_all")])
        counts = counts.rename_columns([*self._keys, _COUNT])
        if self._counts is not None:
            merged = pa.concat_tables([self._counts, counts]).group_by(self._keys)
            counts = merged.aggregate([(_COUNT, "sum")]).rename_columns([*self._keys, _COUNT])
        self._counts = counts

    def result(self, k: int) -> KAnonymityResult:
        if self._rows == 0:
            sizes = pa.array([], pa.int64())
        elif self._counts is None:  # no quasi-identifiers: all rows form one group
            sizes = pa.array([self._rows], pa.int64())
        else:
            sizes = self._counts.column(_COUNT)
        below = pc.less(sizes, k)
        return KAnonymityResult(
            quasi_identifiers=self._keys,
            k_required=k,
            k_achieved=pc.min(sizes).as_py(),
            groups=len(sizes),
            groups_below_k=pc.sum(below).as_py() or 0,
            rows_below_k=pc.sum(pc.if_else(below, sizes, 0)).as_py() or 0,
        )
