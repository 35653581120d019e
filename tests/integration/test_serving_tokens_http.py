"""A tokenized identifier over HTTP: a contract that tokenizes, minimized with the pipeline policy,
packaged and signed by the package step (which records the token key version in the manifest),
served by a real `bentoml serve` holding the inference policy only, answers an identifier with the
token the minimized data holds for it.

Cheaper than a second pipeline run (about 35 s): the package step runs on its own, in a
subprocess because BentoML fixes its store for the life of a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import hvac
import numpy as np
import pyarrow.parquet as pq
import pytest
import requests
from sklearn.linear_model import LogisticRegression

from secure_mlops.config import Settings
from secure_mlops.packaging import load_signed_manifest
from secure_mlops.privacy import load_contract
from secure_mlops.privacy.minimize import minimize_file
from secure_mlops.training import save_model
from secure_mlops.validation import profile_dataset
from secure_mlops.vault import TransitHmacService
from secure_mlops.vault.tokens import TransitTokenService
from tests.support.cli import clean_env, run_cli
from tests.support.paths import ROOT
from tests.support.policies import policy_token
from tests.support.serving import inference_vault_token, serving

pytestmark = pytest.mark.integration

CONTRACT = """\
name: members
version: "1"
k_anonymity: {k: 1}
columns:
  - {name: member_ref, type: string, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: member_no, type: integer, classification: direct_identifier, action: tokenize, nullable: false}
  - {name: visits, type: float, classification: feature, action: keep, nullable: false, min: 0, max: 100}
  - {name: tenure, type: float, classification: feature, action: keep, nullable: false, min: 0, max: 100}
  - {name: churned, type: string, classification: label, action: keep, nullable: false, allowed_values: ["yes", "no"]}
"""
ROWS = 60
PACKAGE = """
import dataclasses, json, sys
from pathlib import Path

from secure_mlops.config import get_settings
from secure_mlops.steps.release import package

args = json.loads(sys.argv[1])
paths = [Path(args.pop(name)) for name in ("model", "contract", "profile", "bento", "manifest")]
print(json.dumps(dataclasses.asdict(package(*paths, **args, settings=get_settings()))))
"""


@pytest.fixture(scope="module")
def release(vault_server, vault_root: hvac.Client, vault_settings: Settings, tmp_path_factory: pytest.TempPathFactory):
    """(the service's environment, the bento tag, the minimized table, the manifest)."""
    folder = tmp_path_factory.mktemp("tokens-release")
    contract_file = folder / "members.contract.yaml"
    contract_file.write_text(CONTRACT, encoding="utf-8")
    contract = load_contract(contract_file)
    rng = np.random.default_rng(7)
    raw = folder / "raw.csv"
    raw.write_text("member_ref,member_no,visits,tenure,churned\n" + "".join(
        f"M-{i:04d},{1000 + i},{rng.uniform(0, 100):.2f},{rng.uniform(0, 100):.2f},{'yes' if i % 2 else 'no'}\n"
        for i in range(ROWS)), encoding="utf-8")
    pipeline = hvac.Client(url=vault_root.url, token=policy_token(vault_root, "secure-mlops-pipeline", ttl="10m"))
    tokens = TransitTokenService(pipeline, key_name=vault_settings.token_key_name)
    minimize_file(contract, raw, folder / "min.parquet",
                  TransitHmacService(pipeline, key_name=vault_settings.pseudonym_key_name),
                  make_token_service=lambda: tokens)
    table = pq.read_table(folder / "min.parquet")
    x = np.column_stack([table.column(c).to_numpy() for c in ("visits", "tenure")])
    save_model(LogisticRegression().fit(x, table.column("churned").to_numpy()), folder / "model")
    (folder / "profile.json").write_text(profile_dataset(table, contract).model_dump_json(), encoding="utf-8")

    env = clean_env(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token,
                    SECURE_MLOPS_STATE_DIR=str(folder / "state"))
    args = {"model": str(folder / "model"), "contract": str(contract_file), "profile": str(folder / "profile.json"),
            "bento": str(folder / "bento"), "manifest": str(folder / "manifest.json"), "data_digest": "sha256:" + "1" * 64,
            "data_key_version": 1, "pseudonym_key_version": None, "token_key_version": tokens.key_version,
            "inference_image": "registry.example/ml/inference", "metrics": {"accuracy": 0.5}, "privacy": {},
            "run_id": "tokens-1", "triggered_by": "pytest"}
    done = subprocess.run([sys.executable, "-c", PACKAGE, json.dumps(args)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    tag = json.loads(done.stdout.splitlines()[-1])["bento_tag"]
    manifest = load_signed_manifest(folder / "manifest.json").manifest
    return {**env, "VAULT_TOKEN": inference_vault_token(vault_root)}, tag, table, manifest


@pytest.mark.control("signed-provenance")
def test_the_release_records_the_token_key_version_of_its_data(release, vault_settings: Settings):
    _, _, table, manifest = release
    version = int(table.column("member_ref")[0].as_py().split("_")[1].removeprefix("v"))

    assert manifest["keys"]["token"] == {"name": vault_settings.token_key_name, "version": version}
    assert "pseudonym" not in manifest["keys"]


@pytest.mark.control("coarse-answers")
def test_the_service_answers_a_tokenized_identifier_with_the_training_datas_token(release, tmp_path: Path):
    env, tag, table, _ = release
    api = run_cli("token", "create", "--name", "members-team", env=env).stdout.strip()
    auth = {"Authorization": f"Bearer {api}"}
    record = {"visits": 40.0, "tenure": 12.5}

    with serving(env, tmp_path / "members.log", "--bento", tag) as service:
        answer = requests.post(service.url + "/predict", headers=auth, timeout=10,
                               json={**record, "member_ref": "M-0007", "member_no": "1007"})
        batch = requests.post(service.url + "/predict_batch", headers=auth, timeout=10,
                              json={"records": [record, {**record, "member_no": "1003"}]})
        not_a_number = requests.post(service.url + "/predict", headers=auth, timeout=10,
                                     json={**record, "member_no": "M-0007"})
        log = service.log_text()

    assert answer.status_code == 200, answer.text
    assert answer.json()["member_ref"] == table.column("member_ref")[7].as_py()
    assert answer.json()["member_no"] == table.column("member_no")[7].as_py()
    assert batch.status_code == 200, batch.text
    first, second = batch.json()["predictions"]
    assert "member_no" not in first and second["member_no"] == table.column("member_no")[3].as_py()
    assert not_a_number.status_code == 422 and "M-0007" not in not_a_number.text
    assert "M-0007" not in log and "1007" not in log
