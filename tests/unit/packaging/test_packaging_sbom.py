"""CycloneDX SBOMs of the locks: every pin listed with its version and hashes, made reproducibly by
the same command `make sbom` runs, and the inference image's SBOM vouched for by the signed manifest.

Making an SBOM runs cyclonedx-py (a few seconds a lock), so each lock's is made once per module.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from secure_mlops.digest import file_sha256
from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import (
    Sbom,
    bento_digest,
    bento_sbom,
    build_manifest,
    describe_sbom,
    load_signed_manifest,
    lock_sbom,
    sbom_info,
    sbom_packages,
    sign_manifest,
    verify_manifest,
    write_signed_manifest,
)
from secure_mlops.packaging.sbom import CYCLONEDX_ARGS, SPEC_VERSION, sbom_name
from tests.support.paths import ROOT
from tests.support.release import manifest_fields

REQUIREMENTS = ROOT / "requirements"
LOCKS = sorted([REQUIREMENTS / "lock.txt", *REQUIREMENTS.glob("*.lock")])
INFERENCE_LOCK = REQUIREMENTS / "inference.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)")
_HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


def _lock_pins(lock: Path) -> dict[str, tuple[str, set[str]]]:
    """Name -> (version, sha256 hashes) of every pin in a uv-compiled, hash-pinned lock."""
    pins: dict[str, tuple[str, set[str]]] = {}
    name = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            name = canonicalize_name(match.group(1))
            pins[name] = (match.group(2), set())
        if name is not None:
            pins[name][1].update(_HASH.findall(line))
    return pins


def _sbom_hashes(path: Path) -> dict[str, set[str]]:
    document = json.loads(path.read_bytes())
    return {canonicalize_name(c["name"]): {h["content"] for ref in c.get("externalReferences", [])
                                           for h in ref.get("hashes", []) if h["alg"] == "SHA-256"}
            for c in document["components"]}


@pytest.fixture(scope="module")
def sboms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`sbom_name(lock)` -> the SBOM `lock_sbom` made of it, for every lock of the checkout."""
    out = tmp_path_factory.mktemp("sbom")
    with ThreadPoolExecutor(max_workers=2) as pool:
        documents = dict(zip(LOCKS, pool.map(lock_sbom, LOCKS), strict=True))
    paths = {}
    for lock, document in documents.items():
        paths[sbom_name(lock)] = out / sbom_name(lock)
        paths[sbom_name(lock)].write_bytes(document)
    return paths


@pytest.fixture
def inference_sbom(sboms: dict[str, Path], tmp_path: Path) -> Path:
    """A copy this test may change."""
    path = tmp_path / "inference.cdx.json"
    path.write_bytes(sboms[sbom_name(INFERENCE_LOCK)].read_bytes())
    return path


def test_every_lock_of_the_checkout_is_covered():
    assert {lock.name for lock in LOCKS} == {"lock.txt", "inference.lock", "tools.lock", "deep.lock"}


@pytest.mark.control("pinned-supply-chain")
@pytest.mark.parametrize("lock", LOCKS, ids=lambda lock: lock.name)
def test_the_sbom_of_a_lock_lists_every_pinned_package_with_its_version_and_hashes(sboms, lock):
    pins = _lock_pins(lock)
    sbom = sboms[sbom_name(lock)]

    assert len(pins) > 10  # the lock parsed: a regression here would make the check below vacuous
    assert {canonicalize_name(n): v for n, v in sbom_packages(sbom).items()} == {n: v for n, (v, _) in pins.items()}
    assert _sbom_hashes(sbom) == {n: hashes for n, (_, hashes) in pins.items()}


@pytest.mark.control("pinned-supply-chain")
def test_make_sbom_runs_the_library_command_for_every_lock(tmp_path):
    """`make -n` prints what `make sbom` would run: one cyclonedx-py call per lock with the
    library's arguments, so the SBOMs checked above are the ones `make sbom` writes."""
    dry = subprocess.run(["make", "--no-print-directory", "-n", "-B", "sbom", f"SBOM_DIR={tmp_path}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    calls = [shlex.split(line) for line in dry.stdout.splitlines() if "cyclonedx-py" in line]

    expected = {lock.as_posix(): str(tmp_path / sbom_name(lock)) for lock in LOCKS}
    made = {}
    for call in calls:
        assert call[:3] == ["env", "-u", "SOURCE_DATE_EPOCH"] and call[3].endswith("/cyclonedx-py")
        assert tuple(call[4:-3]) == CYCLONEDX_ARGS and call[-3] == "-o"
        made[(ROOT / call[-1]).as_posix()] = call[-2]
    assert made == expected


def test_the_sbom_is_reproducible_whatever_the_environment_says(sboms, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the tool would write it as a timestamp

    again = lock_sbom(INFERENCE_LOCK)

    assert again == sboms[sbom_name(INFERENCE_LOCK)].read_bytes()
    document = json.loads(again)
    assert "serialNumber" not in document and "timestamp" not in document["metadata"]


def test_describe_sbom_gives_the_format_spec_version_and_file_digest(inference_sbom):
    assert describe_sbom(inference_sbom) == Sbom("CycloneDX", SPEC_VERSION, file_sha256(inference_sbom))


@pytest.mark.parametrize("content", [b"not json", b"[]", b'{"bomFormat": "SPDX", "specVersion": "2.3"}'])
def test_describe_sbom_refuses_what_is_not_a_cyclonedx_document(tmp_path, content):
    path = tmp_path / "x.cdx.json"
    path.write_bytes(content)

    with pytest.raises(InputError):
        describe_sbom(path)


def test_lock_sbom_of_a_missing_lock_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        lock_sbom(tmp_path / "missing.lock")


def test_lock_sbom_refuses_a_lock_line_that_is_not_a_pin(tmp_path):
    """cyclonedx-py would skip the line without a word, and the SBOM would miss a package."""
    lock = tmp_path / "broken.lock"
    lock.write_text("# a comment\nfoo==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\nbar>=2\n")

    with pytest.raises(InputError, match=r"broken\.lock line 4 is not a pinned requirement"):
        lock_sbom(lock)


def test_lock_sbom_refuses_an_sbom_that_leaves_a_pin_out(tmp_path, monkeypatch):
    lock = tmp_path / "two.lock"
    lock.write_text("foo==1.0\nBar_Baz==2.0\n")
    listed = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                         "components": [{"name": "foo", "version": "1.0"}]}).encode()
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, listed, b""))

    with pytest.raises(InputError, match="leaves out 1 of its pins") as caught:
        lock_sbom(lock)
    assert "bar-baz==2.0" in str(caught.value)


# The signed manifest and the SBOM the bento carries.

@pytest.fixture
def bento_with_sbom(bento_dir, inference_sbom) -> Path:
    target = bento_sbom(bento_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(inference_sbom.read_bytes())
    return bento_dir


@pytest.fixture
def sbom_manifest(model_file, bento_with_sbom) -> dict:
    fields = manifest_fields(model_digest=file_sha256(model_file), bento_dir_digest=bento_digest(bento_with_sbom))
    return build_manifest(**fields, sbom=describe_sbom(bento_sbom(bento_with_sbom)))


@pytest.mark.control("signed-provenance")
def test_the_signed_manifest_carries_the_sbom_digest_and_verifies_with_the_bentos_sbom(
        sbom_manifest, signer, model_file, bento_with_sbom, tmp_path):
    path = write_signed_manifest(sign_manifest(sbom_manifest, signer), tmp_path / "provenance.json")
    signed = load_signed_manifest(path)

    verify_manifest(signed, signer, model_file=model_file, bento_dir=bento_with_sbom)
    assert signed.manifest["sbom"] == {"format": "CycloneDX", "spec_version": SPEC_VERSION,
                                       "digest": file_sha256(bento_sbom(bento_with_sbom))}
    assert sbom_info(signed) == describe_sbom(bento_sbom(bento_with_sbom))


@pytest.mark.control("signed-provenance")
def test_a_changed_sbom_in_the_bento_fails_verification(sbom_manifest, signer, bento_with_sbom):
    signed = sign_manifest(sbom_manifest, signer)
    sbom = bento_sbom(bento_with_sbom)
    sbom.write_bytes(sbom.read_bytes().replace(b'"version": "', b'"version": "9', 1))

    with pytest.raises(IntegrityError, match="SBOM digest does not match the signed manifest"):
        verify_manifest(signed, signer, bento_dir=bento_with_sbom)


@pytest.mark.control("signed-provenance")
def test_a_changed_sbom_file_given_on_its_own_fails_verification(sbom_manifest, signer, inference_sbom):
    signed = sign_manifest(sbom_manifest, signer)
    verify_manifest(signed, signer, sbom_file=inference_sbom)
    inference_sbom.write_bytes(inference_sbom.read_bytes() + b"\n")

    with pytest.raises(IntegrityError, match="SBOM digest"):
        verify_manifest(signed, signer, sbom_file=inference_sbom)


def test_a_bento_that_lost_the_sbom_its_manifest_names_fails_verification(sbom_manifest, signer, bento_with_sbom):
    signed = sign_manifest(sbom_manifest, signer)
    bento_sbom(bento_with_sbom).unlink()

    with pytest.raises(IntegrityError, match="SBOM the signed manifest names is missing"):
        verify_manifest(signed, signer, bento_dir=bento_with_sbom)


def test_a_manifest_signed_before_sboms_verifies_without_one_but_vouches_for_no_sbom_file(
        manifest, signer, model_file, bento_dir, inference_sbom):
    signed = sign_manifest(manifest, signer)

    assert "sbom" not in manifest and sbom_info(signed) is None
    verify_manifest(signed, signer, model_file=model_file, bento_dir=bento_dir)
    with pytest.raises(IntegrityError, match="records no SBOM"):
        verify_manifest(signed, signer, sbom_file=inference_sbom)


@pytest.mark.parametrize("sbom", [
    None,
    {},
    {"format": "SPDX", "spec_version": "2.3", "digest": "sha256:" + "a" * 64},
    {"format": "CycloneDX", "spec_version": "1.6", "digest": "a" * 64},
    {"format": "CycloneDX", "spec_version": "", "digest": "sha256:" + "a" * 64},
    {"format": "CycloneDX", "spec_version": "1.6", "digest": "sha256:" + "a" * 64, "extra": "x"},
])
def test_a_signed_body_with_a_malformed_sbom_section_fails_verification(sbom_manifest, signer, sbom):
    signed = sign_manifest({**sbom_manifest, "sbom": sbom}, signer)

    with pytest.raises(IntegrityError, match="sbom section is malformed"):
        verify_manifest(signed, signer)


def test_build_manifest_refuses_an_sbom_that_is_not_described(model_file, bento_dir):
    fields = manifest_fields(model_digest=file_sha256(model_file), bento_dir_digest=bento_digest(bento_dir))

    with pytest.raises(InputError, match="sbom"):
        build_manifest(**fields, sbom={"format": "CycloneDX"})
    with pytest.raises(InputError, match="sbom digest"):
        build_manifest(**fields, sbom=dataclasses.replace(Sbom("CycloneDX", "1.6", "sha256:" + "a" * 64), digest="x"))
