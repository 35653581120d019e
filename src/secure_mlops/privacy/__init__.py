"""Data minimization driven by a data contract: drop, keep, generalize, mask, pseudonymize,
then a k-anonymity gate. Reports and errors carry counts and column names, never data values.
"""

from __future__ import annotations

from secure_mlops.errors import KAnonymityError
from secure_mlops.privacy.contract import (
    Action,
    Classification,
    Column,
    ColumnParams,
    ColumnType,
    DataContract,
    DateGranularity,
    KAnonymity,
    contract_json_schema,
)
from secure_mlops.privacy.hmac import HmacService
from secure_mlops.privacy.kanonymity import KAnonymityResult
from secure_mlops.privacy.loader import load_contract, parse_contract
from secure_mlops.privacy.minimize import minimize_file
from secure_mlops.privacy.pseudonymize import Pseudonymizer
from secure_mlops.privacy.report import MinimizationReport, write_report

__all__ = [
    "Action",
    "Classification",
    "Column",
    "ColumnParams",
    "ColumnType",
    "DataContract",
    "DateGranularity",
    "HmacService",
    "KAnonymity",
    "KAnonymityError",
    "KAnonymityResult",
    "MinimizationReport",
    "Pseudonymizer",
    "contract_json_schema",
    "load_contract",
    "minimize_file",
    "parse_contract",
    "write_report",
]
