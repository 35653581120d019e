"""What a minimization run did, for the pipeline's provenance and the auditors.

Counts and column names only: no field of the report can hold a value from the data.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from secure_mlops.privacy.kanonymity import KAnonymityResult
from secure_mlops.privacy.sources import InputFormat
from secure_mlops.storage.atomic import write_atomically


class MinimizationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    contract_name: str
    contract_version: str
    contract_sha256: str
    input_format: InputFormat
    input_rows: int
    output_rows: int
    batches: int
    columns_kept: list[str]
    columns_transformed: dict[str, list[str]]  # action -> columns, in contract order
    columns_dropped: list[str]  # dropped by the contract
    columns_not_in_contract: list[str]  # in the input, unknown to the contract: dropped too
    k_anonymity: KAnonymityResult

    @property
    def k_required(self) -> int:
        return self.k_anonymity.k_required

    @property
    def k_achieved(self) -> int | None:
        """None when the input had no rows."""
        return self.k_anonymity.k_achieved

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def file_content(self) -> bytes:
        """What a report file holds: the indented JSON and a final newline, in UTF-8."""
        return (self.to_json() + "\n").encode("utf-8")


def write_report(report: MinimizationReport, path: Path) -> None:
    write_atomically(path, report.file_content())
