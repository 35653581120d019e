"""Data minimization driven by a data contract: drop, keep, generalize, mask, pseudonymize
(keyed HMAC through an `HmacService`, Vault Transit in production), then a k-anonymity gate that
writes nothing when it fails. Reports and errors carry counts and column names, never data
values; the package must not import Vault, S3, BentoML or Great Expectations clients (the HMAC
service is passed in).
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
