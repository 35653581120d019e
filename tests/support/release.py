"""A service folder staged as a bento build stages it: the service, plus the release files (the
data contract and a training profile) under release/."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa

from secure_mlops.packaging.layout import CONTRACT_FILE, PROFILE_FILE, RELEASE_DIR
from secure_mlops.privacy import load_contract
from secure_mlops.training import feature_columns
from secure_mlops.validation import profile_dataset
from tests.support.tools import ROOT

PATIENTS = ROOT / "policies" / "data" / "patients.contract.yaml"
SERVICE_DIR = ROOT / "services" / "inference"


def training_table(contract_path: Path, rows: int = 200, seed: int = 0) -> pa.Table:
    """The demo's patients for the patients contract; for another, its features uniform in [5, 95]
    and its label's classes in turn."""
    if Path(contract_path) == PATIENTS:
        from secure_mlops.demo_data import generate_patients

        return generate_patients(rows, seed=seed + 1)
    contract = load_contract(contract_path)
    features, label = feature_columns(contract)
    rng = np.random.default_rng(seed)
    columns = {name: rng.uniform(5, 95, rows) for name in features}
    classes = next(c.allowed_values for c in contract.columns if c.name == label) or ["yes", "no"]
    columns[label] = [str(classes[i % len(classes)]) for i in range(rows)]
    return pa.table(columns)


def stage_service(dest: Path, contract_path: Path = PATIENTS, table: pa.Table | None = None) -> Path:
    """`dest` holding service.py and release/{contract.yaml, profile.json}; returns `dest`."""
    shutil.copytree(SERVICE_DIR, dest, ignore=shutil.ignore_patterns("__pycache__"))
    release = dest / RELEASE_DIR
    release.mkdir()
    shutil.copyfile(contract_path, release / CONTRACT_FILE)
    table = table if table is not None else training_table(contract_path)
    profile = profile_dataset(table, load_contract(contract_path))
    (release / PROFILE_FILE).write_text(profile.model_dump_json(), encoding="utf-8")
    return dest
