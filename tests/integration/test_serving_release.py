"""What the service agrees to serve: only a bento whose signed release verifies, whatever its
contract, and over TLS when given a certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import hvac
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from secure_mlops.packaging import bento_info
from tests.support import churn
from tests.support.cli import clean_env, run_cli
from tests.support.pipeline import bento_tag, run_pipeline
from tests.support.servers import free_port
from tests.support.serving import inference_vault_token, ready, serving, stop

pytestmark = pytest.mark.integration

REFUSAL_WINDOW = 15  # seconds a refused bento is watched for never turning ready


def _copy_state(env: dict[str, str], target: Path) -> dict[str, str]:
    """The run's BentoML store copied elsewhere, so a test can damage it without harming others."""
    shutil.copytree(Path(env["SECURE_MLOPS_STATE_DIR"]) / "bentoml", target / "bentoml", symlinks=True)
    return {**env, "SECURE_MLOPS_STATE_DIR": str(target)}


def _bento_dir(env: dict[str, str], tag: str) -> Path:
    name, version = tag.split(":")
    return Path(env["SECURE_MLOPS_STATE_DIR"]) / "bentoml" / "bentos" / name / version


def _model_file(env: dict[str, str], bento_tag: str) -> Path:
    """The model file the bento serves (the store may hold other runs' models too)."""
    name, version = bento_info(_bento_dir(env, bento_tag))[1].split(":")
    return Path(env["SECURE_MLOPS_STATE_DIR"]) / "bentoml" / "models" / name / version / "model.skops"


def _refused_by_raw_bentoml(env: dict[str, str], bento: Path, log: Path) -> str:
    """`bentoml serve` straight on the bento (as the image's entrypoint could): it must never turn
    ready. Returns its log."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).with_name("bentoml")), "serve", str(bento),
                                    "--host", "127.0.0.1", "--port", str(port)],
                                   env={**env, "BENTOML_HOME": str(Path(env["SECURE_MLOPS_STATE_DIR"]) / "bentoml")},
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + REFUSAL_WINDOW
        while time.monotonic() < deadline:
            assert not ready(f"http://127.0.0.1:{port}"), "a tampered bento became ready"
            time.sleep(0.5)
    finally:
        stop(process)
    return log.read_text(errors="replace")


@pytest.mark.control("signed-provenance")
def test_a_tampered_model_file_is_refused_with_one_line_and_never_turns_ready(serving_release, tmp_path):
    env, tag = serving_release
    damaged = _copy_state(env, tmp_path / "state")
    model = _model_file(damaged, tag)
    model.chmod(0o600)
    model.write_bytes(model.read_bytes() + b"\x00")

    refused = run_cli("serve", "--bento", tag, "--port", str(free_port()), env=damaged, timeout=60)
    raw_log = _refused_by_raw_bentoml(damaged, _bento_dir(damaged, tag), tmp_path / "raw.log")

    assert refused.returncode == 6
    assert refused.stderr.strip().splitlines() == [
        "error: model file digest does not match the signed manifest (file: model.skops)"]
    assert "model file digest does not match" in raw_log


@pytest.mark.control("signed-provenance")
def test_a_bento_without_its_signed_manifest_is_refused(serving_release, tmp_path):
    env, tag = serving_release
    damaged = _copy_state(env, tmp_path / "state")
    (_bento_dir(damaged, tag) / "src" / "release" / "provenance.json").unlink()

    refused = run_cli("serve", "--bento", tag, "--port", str(free_port()), env=damaged, timeout=60)

    assert refused.returncode == 6 and "no signed provenance manifest" in refused.stderr


def test_a_changed_contract_in_the_bento_is_refused(serving_release, tmp_path):
    env, tag = serving_release
    damaged = _copy_state(env, tmp_path / "state")
    contract = _bento_dir(damaged, tag) / "src" / "release" / "contract.yaml"
    contract.chmod(0o600)
    contract.write_text(contract.read_text().replace("max: 1", "max: 1000"))

    refused = run_cli("serve", "--bento", tag, "--port", str(free_port()), env=damaged, timeout=60)

    assert refused.returncode == 6 and "contract" in refused.stderr


def test_an_unknown_bento_is_a_clear_input_error(serving_release):
    env, _ = serving_release

    refused = run_cli("serve", "--bento", "secure-mlops-inference:nosuchversion", env=env, timeout=60)

    assert refused.returncode == 4 and "is not in the BentoML store" in refused.stderr
    assert "Traceback" not in refused.stderr


@pytest.fixture(scope="module")
def churn_release(vault_server, vault_settings, vault_root: hvac.Client, tmp_path_factory: pytest.TempPathFactory):
    """A pipeline run on a second contract that shares no column with the demo's."""
    state = tmp_path_factory.mktemp("churn-state")
    env = clean_env(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token, SECURE_MLOPS_STATE_DIR=str(state))
    contract = churn.write_contract(state / "churn.contract.yaml")
    data = state / "raw"
    data.mkdir()
    churn.write_churn_csv(data / "part-1.csv", rows=400, seed=5)
    churn.write_churn_csv(data / "part-2.csv", rows=400, seed=6)
    result = run_pipeline(env, "--data", data, "--contract", contract)
    assert result.returncode == 0, result.stdout + result.stderr
    return {**env, "VAULT_TOKEN": inference_vault_token(vault_root)}, bento_tag(result.stdout)


def test_a_bento_built_on_a_second_contract_serves_its_own_schema(churn_release, tmp_path):
    env, tag = churn_release
    token = run_cli("token", "create", "--name", "churn-team", env=env).stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}

    with serving(env, tmp_path / "churn.log", "--bento", tag) as service:
        schema = requests.get(service.url + "/docs.json", headers=auth, timeout=10).json()
        answer = requests.post(service.url + "/predict", headers=auth, timeout=10,
                               json={"income": 42000.0, "tenure": 14, "customer_ref": "C05-000001"})
        demo_record = requests.post(service.url + "/predict", headers=auth, timeout=10,
                                    json={"mean_radius": 14.1, "mean_texture": 19.3})

    document = json.dumps(schema)
    assert "income" in document and "tenure" in document and "mean_radius" not in document
    assert answer.status_code == 200, answer.text
    assert answer.json()["label"] in {"yes", "no"} and len(answer.json()["customer_ref"]) == 32
    assert demo_record.status_code == 422


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "tls.crt", folder / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_tls_is_served_when_given_a_certificate(serving_release, tmp_path):
    env, tag = serving_release
    cert, key = _self_signed(tmp_path)

    with serving(env, tmp_path / "tls.log", "--bento", tag, "--tls-cert", str(cert), "--tls-key", str(key),
                 scheme="https", verify=str(cert)) as service:
        secure = requests.get(service.url + "/livez", verify=str(cert), timeout=5)
        with pytest.raises(requests.ConnectionError):
            requests.get(service.url.replace("https://", "http://") + "/livez", timeout=5)

    assert secure.status_code == 200
