"""The operator scripts in scripts/: help, usage errors, --dry-run, and pinning the release file.

Every script runs with PATH limited to a folder holding bash and coreutils only, so a dry run
that called docker, kubectl, vault or python for real would fail. Where a real run is checked
(push, Vault login, first run), the tools are fakes in that folder that log their arguments.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support.paths import ROOT

SCRIPTS = ROOT / "scripts"
NAMES = ("build-images.sh", "push-and-pin.sh", "install-policies.sh", "bootstrap-vault.sh", "first-run.sh")
PREFIX = "dry-run: "
# What each script needs at least; --dry-run is added by the tests that want it.
REQUIRED: dict[str, list[str]] = {
    "build-images.sh": ["--registry", "ghcr.io/acme", "--tag", "1.0", "--model-tag", "secure-mlops-model:m1"],
    "push-and-pin.sh": ["--registry", "ghcr.io/acme", "--tag", "1.0"],
    "install-policies.sh": [],
    "bootstrap-vault.sh": ["--ca-file", "ca.pem", "--vault-addr", "https://vault.example.com:8200"],
    "first-run.sh": ["--host", "https://kfp.example.com/pipeline"],
}
# Coreutils the scripts (or bash itself) may call; only those installed are linked.
COREUTILS = ("basename", "cat", "chmod", "cp", "dirname", "env", "head", "ls", "mkdir", "mktemp", "mv",
             "printf", "pwd", "readlink", "rm", "rmdir", "sleep", "sort", "tail", "tee", "touch", "tr",
             "true", "false", "uname", "wc")
ZEROS = "sha256:" + "0" * 64
PIPELINE_DIGEST = "sha256:" + "a" * 64
INFERENCE_DIGEST = "sha256:" + "b" * 64
# The release file's format (k8s/release/kustomization.yaml), with comments that must survive.
RELEASE = f"""\
# The release: both images by digest (a comment that must survive).
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component

images:
  # pipeline first
  - name: secure-mlops-pipeline
    newName: ghcr.io/secure-mlops/secure-mlops-pipeline
    digest: {ZEROS}
  - name: secure-mlops-inference
    newName: ghcr.io/secure-mlops/secure-mlops-inference  # trailing comment
    digest: {ZEROS}
"""
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"
FAKE_JWT = "eyJhbGciOiJSUzI1NiJ9.fake-service-account-token.c2ln"


@pytest.fixture(scope="module")
def sandbox_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with bash and coreutils only: the PATH every script runs with."""
    folder = tmp_path_factory.mktemp("bin")
    for name in ("bash", *COREUTILS):
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    assert (folder / "bash").exists() and (folder / "env").exists()
    return folder


def _run(sandbox: Path, name: str, *args: str, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPTS / name), *args], capture_output=True, text=True, timeout=30, check=False,
        cwd=cwd or ROOT, env={"PATH": str(sandbox), "HOME": str(sandbox), "LC_ALL": "C", **(env or {})},
    )


def _commands(stdout: str) -> list[str]:
    return [line[len(PREFIX):] for line in stdout.splitlines() if line.startswith(PREFIX)]


def _fake(folder: Path, name: str, body: str) -> Path:
    """An executable `name` in `folder` that appends its command line to $FAKE_LOG, then runs body."""
    path = folder / name
    path.write_text('#!/usr/bin/env bash\nprintf \'%s\\n\' "${0##*/} $*" >>"$FAKE_LOG"\n' + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def fakes(tmp_path: Path, sandbox_bin: Path) -> Path:
    """A copy of the sandbox folder, for fake tools added by a test."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for entry in sandbox_bin.iterdir():
        (folder / entry.name).symlink_to(entry.resolve())
    return folder


@pytest.fixture
def release(tmp_path: Path) -> Path:
    path = tmp_path / "release" / "kustomization.yaml"
    path.parent.mkdir()
    path.write_text(RELEASE)
    path.chmod(0o644)
    return path


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text(CA_PEM)
    return path


def _images(path: Path) -> dict[str, dict[str, str]]:
    return {entry["name"]: entry for entry in yaml.safe_load(path.read_text())["images"]}


# --- Every script: shebang, strict mode, help, usage errors ---------------------------------------


def test_there_are_exactly_the_five_scripts_and_each_is_executable():
    assert sorted(p.name for p in SCRIPTS.glob("*.sh")) == sorted(NAMES)
    for name in NAMES:
        path = SCRIPTS / name
        lines = path.read_text().splitlines()
        assert lines[0] == "#!/usr/bin/env bash", name
        assert "set -euo pipefail" in lines[:5], name
        assert os.access(path, os.X_OK), f"{name} is not executable"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_the_usage_with_an_example_and_exits_0(sandbox_bin, name, flag):
    done = _run(sandbox_bin, name, flag)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: scripts/{name}")
    assert "Example" in done.stdout and f"scripts/{name}" in done.stdout.split("Example", 1)[1]
    assert "--dry-run" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_option_prints_the_usage_on_stderr_and_exits_2(sandbox_bin, name):
    done = _run(sandbox_bin, name, "--bogus")

    assert done.returncode == 2
    assert "unknown option: --bogus" in done.stderr
    assert f"Usage: scripts/{name}" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("name", "args", "option"),
    [
        ("build-images.sh", ["--tag", "1.0", "--model-tag", "m:1"], "--registry"),
        ("build-images.sh", ["--registry", "ghcr.io/acme", "--model-tag", "m:1"], "--tag"),
        ("build-images.sh", ["--registry", "ghcr.io/acme", "--tag", "1.0"], "--model-tag"),
        ("push-and-pin.sh", ["--tag", "1.0"], "--registry"),
        ("push-and-pin.sh", ["--registry", "ghcr.io/acme"], "--tag"),
        ("push-and-pin.sh", ["--pin-only", "--registry", "r.io", "--pipeline-digest", PIPELINE_DIGEST],
         "--inference-digest"),
        ("bootstrap-vault.sh", ["--vault-addr", "https://vault.example.com:8200"], "--ca-file"),
        ("bootstrap-vault.sh", ["--ca-file", "ca.pem"], "--vault-addr"),
        ("first-run.sh", ["--namespace", "team-a"], "--host"),
    ],
)
def test_a_missing_required_option_is_one_line_naming_it(sandbox_bin, name, args, option):
    done = _run(sandbox_bin, name, "--dry-run", *args)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and option in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("name", [n for n in NAMES if REQUIRED[n]])
def test_an_option_without_its_value_is_one_line_naming_it(sandbox_bin, name):
    option = REQUIRED[name][0]
    done = _run(sandbox_bin, name, "--dry-run", option)

    assert done.returncode == 2
    assert done.stderr == f"{name}: error: option {option} needs a value\n"


@pytest.mark.parametrize("name", NAMES)
def test_a_dry_run_needs_no_tool_and_runs_nothing(tmp_path, fakes, ca_file, name):
    """With decoys of every tool on PATH, a dry run prints commands and calls none of them."""
    log = tmp_path / "calls.log"
    for tool in ("docker", "podman", "buildah", "kubectl", "vault", "terraform", "aws", "python", "python3",
                 "secure-mlops"):
        _fake(fakes, tool, "exit 99")
    args = [a if a != "ca.pem" else str(ca_file) for a in REQUIRED[name]]
    done = _run(fakes, name, "--dry-run", *args, env={
        "FAKE_LOG": str(log), "PYTHON": str(fakes / "python"), "SECURE_MLOPS_CLI": str(fakes / "secure-mlops"),
    })

    assert done.returncode == 0, done.stderr
    assert _commands(done.stdout), done.stdout
    assert not log.exists(), log.read_text()


# --- build-images.sh -----------------------------------------------------------------------------


def test_build_images_dry_run_builds_both_images_with_docker(sandbox_bin):
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", "--engine", "docker", *REQUIRED["build-images.sh"],
                "--bento-tag", "secure-mlops-inference:b1")

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    assert commands[0] == f"cd {ROOT}"
    assert "env DOCKER_BUILDKIT=1 docker build -f Dockerfile -t ghcr.io/acme/secure-mlops-pipeline:1.0 ." in commands
    export = next(c for c in commands if "export_bento" in c)
    assert export.endswith(f"secure-mlops-inference:b1 {ROOT}/build/bento")
    assert "export_bento" in export and "use_bentoml_home()" in export
    build = ("env DOCKER_BUILDKIT=1 docker build -f services/inference/Dockerfile "
             "--build-arg SECURE_MLOPS_MODEL_TAG=secure-mlops-model:m1 -t ghcr.io/acme/secure-mlops-inference:1.0 .")
    assert commands.index(export) < commands.index(build)


def test_build_images_dry_run_copies_a_runs_bento_artifact_into_the_build_context(sandbox_bin, tmp_path):
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", "--engine", "docker", *REQUIRED["build-images.sh"],
                "--only", "inference", "--bento-dir", str(tmp_path / "bento"))

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    copy = f"cp -R -- {tmp_path / 'bento'} {ROOT}/build/bento"
    assert copy in commands and not any("export_bento" in c for c in commands)
    assert commands.index(copy) < next(i for i, c in enumerate(commands) if "services/inference/Dockerfile" in c)


def test_build_images_refuses_both_a_bento_tag_and_a_bento_dir(sandbox_bin, tmp_path):
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", *REQUIRED["build-images.sh"],
                "--bento-tag", "secure-mlops-inference:b1", "--bento-dir", str(tmp_path))

    assert done.returncode == 2 and "alternatives" in done.stderr


@pytest.mark.parametrize(("engine", "build"), [("podman", "podman build"), ("buildah", "buildah bud")])
def test_build_images_uses_podman_or_buildah_with_the_dockerfiles_ignore_file(sandbox_bin, engine, build):
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", "--engine", engine, *REQUIRED["build-images.sh"],
                "--platform", "linux/amd64")

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    assert f"{build} --platform linux/amd64 -f Dockerfile -t ghcr.io/acme/secure-mlops-pipeline:1.0 ." in commands
    assert (f"{build} --platform linux/amd64 --ignorefile services/inference/Dockerfile.dockerignore "
            "-f services/inference/Dockerfile --build-arg SECURE_MLOPS_MODEL_TAG=secure-mlops-model:m1 "
            "-t ghcr.io/acme/secure-mlops-inference:1.0 .") in commands
    assert not any("export_bento" in c for c in commands)


def test_build_images_only_pipeline_needs_no_model(sandbox_bin):
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", "--registry", "ghcr.io/acme", "--tag", "1.0",
                "--only", "pipeline")

    assert done.returncode == 0, done.stderr
    assert [c for c in _commands(done.stdout) if " build" in c] == [
        "env DOCKER_BUILDKIT=1 docker build -f Dockerfile -t ghcr.io/acme/secure-mlops-pipeline:1.0 ."
    ]


def test_build_images_without_an_engine_prints_the_commands_and_exits_3(sandbox_bin):
    done = _run(sandbox_bin, "build-images.sh", "--registry", "ghcr.io/acme", "--tag", "1.0", "--only", "pipeline")

    assert done.returncode == 3
    assert "no container engine found (docker, podman or buildah)" in done.stderr
    assert done.stdout.splitlines() == [
        f"cd {ROOT}", "env DOCKER_BUILDKIT=1 docker build -f Dockerfile -t ghcr.io/acme/secure-mlops-pipeline:1.0 .",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--registry", "GHCR.io/Acme"], "--registry GHCR.io/Acme is not a registry path"),
        (["--registry", "ghcr.io/acme:1.0"], "is not a registry path"),
        (["--tag", "bad tag"], "--tag bad tag is not a valid image tag"),
        (["--model-tag", "no-version"], "--model-tag no-version is not a model tag"),
        (["--engine", "kaniko"], "--engine must be docker, podman or buildah"),
        (["--only", "both"], "--only must be pipeline or inference"),
    ],
)
def test_build_images_refuses_invalid_values_with_exit_4(sandbox_bin, args, message):
    values = dict(zip(REQUIRED["build-images.sh"][::2], REQUIRED["build-images.sh"][1::2], strict=True))
    values.update(zip(args[::2], args[1::2], strict=True))
    done = _run(sandbox_bin, "build-images.sh", "--dry-run", *[x for kv in values.items() for x in kv])

    assert done.returncode == 4
    assert message in done.stderr and done.stderr.count("\n") == 1


# --- push-and-pin.sh: pinning -------------------------------------------------------------------


def _pin(sandbox: Path, release: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(sandbox, "push-and-pin.sh", "--pin-only", "--release-file", str(release), *args)


def _leftovers(release: Path) -> list[str]:
    return sorted(p.name for p in release.parent.iterdir() if p != release)


def test_pin_only_rewrites_both_entries_and_nothing_else(sandbox_bin, release):
    done = _pin(sandbox_bin, release, "--registry", "registry.example.com:5000/ml",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 0, done.stderr
    assert _images(release) == {
        "secure-mlops-pipeline": {"name": "secure-mlops-pipeline",
                                  "newName": "registry.example.com:5000/ml/secure-mlops-pipeline",
                                  "digest": PIPELINE_DIGEST},
        "secure-mlops-inference": {"name": "secure-mlops-inference",
                                   "newName": "registry.example.com:5000/ml/secure-mlops-inference",
                                   "digest": INFERENCE_DIGEST},
    }
    before, after = RELEASE.splitlines(), release.read_text().splitlines()
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert [after[i].strip() for i in changed] == [
        "newName: registry.example.com:5000/ml/secure-mlops-pipeline", f"digest: {PIPELINE_DIGEST}",
        "newName: registry.example.com:5000/ml/secure-mlops-inference  # trailing comment",
        f"digest: {INFERENCE_DIGEST}",
    ]
    assert stat.S_IMODE(release.stat().st_mode) == 0o644
    assert _leftovers(release) == []
    assert f"pinned secure-mlops-pipeline: registry.example.com:5000/ml/secure-mlops-pipeline@{PIPELINE_DIGEST}" \
        in done.stdout


def test_pin_only_works_on_a_copy_of_the_repositorys_release_file(sandbox_bin, tmp_path):
    """The real file's layout (its comments, its order) is one the rewrite understands."""
    copy = tmp_path / "kustomization.yaml"
    shutil.copyfile(ROOT / "k8s" / "release" / "kustomization.yaml", copy)
    original = copy.read_text()

    done = _pin(sandbox_bin, copy, "--registry", "ghcr.io/acme",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 0, done.stderr
    document = yaml.safe_load(copy.read_text())
    assert document["kind"] == "Component"
    assert {e["name"]: f"{e['newName']}@{e['digest']}" for e in document["images"]} == {
        "secure-mlops-pipeline": f"ghcr.io/acme/secure-mlops-pipeline@{PIPELINE_DIGEST}",
        "secure-mlops-inference": f"ghcr.io/acme/secure-mlops-inference@{INFERENCE_DIGEST}",
    }
    kept = [line for line in original.splitlines() if "newName:" not in line and "digest:" not in line]
    assert kept == [line for line in copy.read_text().splitlines() if "newName:" not in line and "digest:" not in line]


def test_pin_only_one_image_leaves_the_other_entry_as_it_was(sandbox_bin, release):
    done = _pin(sandbox_bin, release, "--registry", "ghcr.io/acme", "--only", "pipeline",
                "--pipeline-digest", PIPELINE_DIGEST)

    assert done.returncode == 0, done.stderr
    images = _images(release)
    assert images["secure-mlops-pipeline"]["digest"] == PIPELINE_DIGEST
    assert images["secure-mlops-inference"] == {"name": "secure-mlops-inference",
                                                "newName": "ghcr.io/secure-mlops/secure-mlops-inference",
                                                "digest": ZEROS}


@pytest.mark.parametrize(
    "bad",
    [
        "sha256:" + "A" * 64,  # upper case
        "sha256:" + "a" * 63,  # too short
        "sha256:" + "a" * 65,  # too long
        "sha512:" + "a" * 64,
        "a" * 64,  # no algorithm
        "sha256:" + "g" * 64,  # not hex
        f"sha256:{'a' * 64}\nnewName: evil",  # a line smuggled into the file
    ],
)
def test_pin_only_refuses_a_bad_digest_and_leaves_the_file_unchanged(sandbox_bin, release, bad):
    done = _pin(sandbox_bin, release, "--registry", "ghcr.io/acme",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", bad)

    assert done.returncode == 4
    assert "--inference-digest" in done.stderr and "is not a digest" in done.stderr
    assert release.read_text() == RELEASE
    assert _leftovers(release) == []


@pytest.mark.parametrize("registry", ["GHCR.io/acme", "ghcr.io/acme:latest", "ghcr.io/acme@sha256:x", "ghcr.io/ acme"])
def test_pin_only_refuses_a_bad_registry_and_leaves_the_file_unchanged(sandbox_bin, release, registry):
    done = _pin(sandbox_bin, release, "--registry", registry,
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 4
    assert "is not a registry path" in done.stderr
    assert release.read_text() == RELEASE


@pytest.mark.parametrize(
    "text",
    [
        RELEASE.split("  - name: secure-mlops-inference")[0],  # no inference entry
        RELEASE.replace(f"    digest: {ZEROS}\n  - name: secure-mlops-inference", "  - name: secure-mlops-inference"),
        RELEASE + "  - name: secure-mlops-pipeline\n    newName: x/y\n    digest: " + ZEROS + "\n",  # twice
        RELEASE.replace("images:", "patches:"),  # entries outside images:
    ],
    ids=["missing-entry", "missing-digest", "duplicate-entry", "no-images-list"],
)
def test_pin_only_refuses_a_file_without_the_two_entries_and_leaves_it_unchanged(sandbox_bin, release, text):
    release.write_text(text)
    done = _pin(sandbox_bin, release, "--registry", "ghcr.io/acme",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 4
    assert "file unchanged" in done.stderr
    assert release.read_text() == text
    assert _leftovers(release) == []


def test_pin_only_dry_run_validates_but_does_not_write(sandbox_bin, release):
    done = _pin(sandbox_bin, release, "--dry-run", "--registry", "ghcr.io/acme",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 0, done.stderr
    assert f"# rewrite {release}: secure-mlops-pipeline newName ghcr.io/acme/secure-mlops-pipeline digest " \
        f"{PIPELINE_DIGEST}" in _commands(done.stdout)
    assert release.read_text() == RELEASE


def test_pin_only_reports_a_missing_release_file_with_exit_3(sandbox_bin, tmp_path):
    done = _pin(sandbox_bin, tmp_path / "absent.yaml", "--registry", "ghcr.io/acme",
                "--pipeline-digest", PIPELINE_DIGEST, "--inference-digest", INFERENCE_DIGEST)

    assert done.returncode == 3
    assert "no release file at" in done.stderr


# --- push-and-pin.sh: pushing ------------------------------------------------------------------


def test_push_dry_run_with_docker_pushes_and_inspects_both_images(sandbox_bin, release):
    done = _run(sandbox_bin, "push-and-pin.sh", "--dry-run", "--engine", "docker", *REQUIRED["push-and-pin.sh"],
                "--release-file", str(release))

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    for image in ("secure-mlops-pipeline", "secure-mlops-inference"):
        assert f"docker push ghcr.io/acme/{image}:1.0" in commands
        assert ("docker inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "
                f"ghcr.io/acme/{image}:1.0") in commands
    assert release.read_text() == RELEASE


@pytest.mark.parametrize("engine", ["podman", "buildah"])
def test_push_dry_run_with_podman_or_buildah_reads_the_digest_file(sandbox_bin, release, engine):
    done = _run(sandbox_bin, "push-and-pin.sh", "--dry-run", "--engine", engine, *REQUIRED["push-and-pin.sh"],
                "--release-file", str(release), "--only", "inference")

    assert done.returncode == 0, done.stderr
    pushes = [c for c in _commands(done.stdout) if " push " in c]
    assert pushes == [f"{engine} push --digestfile '<tmp>/secure-mlops-inference.digest' "
                      "ghcr.io/acme/secure-mlops-inference:1.0"]


def test_push_with_docker_pins_the_digest_the_registry_returned(tmp_path, fakes, release):
    log = tmp_path / "calls.log"
    # `docker inspect` lists the image's digests in two repositories: the pushed one must be chosen.
    _fake(fakes, "docker", """\
if [[ $1 == inspect ]]; then
  case ${*: -1} in
    *pipeline*) printf 'mirror.example.com/x@sha256:%s\\nghcr.io/acme/secure-mlops-pipeline@%s\\n' \
      cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc "$FAKE_PIPELINE_DIGEST" ;;
    *) printf 'ghcr.io/acme/secure-mlops-inference@%s\\n' "$FAKE_INFERENCE_DIGEST" ;;
  esac
fi""")
    done = _run(fakes, "push-and-pin.sh", *REQUIRED["push-and-pin.sh"], "--release-file", str(release), env={
        "FAKE_LOG": str(log), "FAKE_PIPELINE_DIGEST": PIPELINE_DIGEST, "FAKE_INFERENCE_DIGEST": INFERENCE_DIGEST,
    })

    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "docker push ghcr.io/acme/secure-mlops-pipeline:1.0"
    assert "docker push ghcr.io/acme/secure-mlops-inference:1.0" in calls
    assert {k: v["digest"] for k, v in _images(release).items()} == {
        "secure-mlops-pipeline": PIPELINE_DIGEST, "secure-mlops-inference": INFERENCE_DIGEST,
    }


def test_push_with_podman_refuses_a_bad_digest_before_writing(tmp_path, fakes, release):
    log = tmp_path / "calls.log"
    _fake(fakes, "podman", 'printf "sha256:NOT-A-DIGEST" >"$3"')
    done = _run(fakes, "push-and-pin.sh", *REQUIRED["push-and-pin.sh"], "--release-file", str(release),
                env={"FAKE_LOG": str(log)})

    assert done.returncode == 4
    assert "is not a digest" in done.stderr
    assert log.read_text().startswith("podman push --digestfile ")
    assert release.read_text() == RELEASE


def test_push_without_an_engine_exits_3_before_pushing(sandbox_bin, release):
    done = _run(sandbox_bin, "push-and-pin.sh", *REQUIRED["push-and-pin.sh"], "--release-file", str(release))

    assert done.returncode == 3
    assert "no container engine found" in done.stderr


# --- install-policies.sh ------------------------------------------------------------------------


def test_install_policies_dry_run_applies_the_policies_kustomization(sandbox_bin):
    done = _run(sandbox_bin, "install-policies.sh", "--dry-run")

    assert done.returncode == 0, done.stderr
    assert _commands(done.stdout) == [f"cd {ROOT}", "kubectl apply -k policies/kubernetes"]


def test_install_policies_check_only_renders(sandbox_bin):
    done = _run(sandbox_bin, "install-policies.sh", "--check", "--dry-run")

    assert done.returncode == 0, done.stderr
    assert _commands(done.stdout) == [f"cd {ROOT}", "kubectl kustomize policies/kubernetes"]


def test_install_policies_without_kubectl_exits_3_naming_it(sandbox_bin):
    done = _run(sandbox_bin, "install-policies.sh")

    assert done.returncode == 3
    assert done.stderr == "install-policies.sh: error: not installed or not on PATH: kubectl\n"


# --- bootstrap-vault.sh -------------------------------------------------------------------------


def test_bootstrap_vault_dry_run_creates_both_configmaps_and_checks_both_logins(sandbox_bin, ca_file):
    done = _run(sandbox_bin, "bootstrap-vault.sh", "--dry-run", "--ca-file", str(ca_file),
                "--vault-addr", "https://vault.example.com:8200", "--pipeline-namespace", "team-a")

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    for namespace in ("team-a", "secure-mlops"):
        assert f"kubectl get namespace {namespace} -o name" in commands
        assert (f"kubectl -n {namespace} create configmap secure-mlops-vault-ca --from-file=ca.crt={ca_file} "
                f"--dry-run=client -o yaml | kubectl -n {namespace} apply -f -") in commands
    assert "kubectl -n team-a create token secure-mlops-pipeline --audience vault --duration 10m" in commands
    assert (f"printf %s <token> | env VAULT_ADDR=https://vault.example.com:8200 VAULT_CACERT={ca_file} "
            "vault write -field=token_policies auth/kubernetes/login role=secure-mlops-pipeline jwt=-") in commands
    assert any("role=secure-mlops-inference" in c for c in commands)


def test_bootstrap_vault_defaults_the_profile_namespace_and_reads_vault_addr(sandbox_bin, ca_file):
    done = _run(sandbox_bin, "bootstrap-vault.sh", "--dry-run", "--ca-file", str(ca_file),
                env={"VAULT_ADDR": "https://vault.internal:8200"})

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    assert "kubectl -n kubeflow-user-example-com create token secure-mlops-pipeline --audience vault " \
        "--duration 10m" in commands
    assert any("VAULT_ADDR=https://vault.internal:8200" in c for c in commands)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--vault-addr", "http://vault.example.com:8200"], 4, "--vault-addr must be an https:// URL"),
        (["--pipeline-namespace", "Team_A"], 4, "is not a namespace name"),
        (["--ca-file", "/nonexistent/ca.pem"], 3, "is not a readable file"),
    ],
)
def test_bootstrap_vault_refuses_bad_values(sandbox_bin, ca_file, args, code, message):
    values = {"--ca-file": str(ca_file), "--vault-addr": "https://vault.example.com:8200"}
    values.update(zip(args[::2], args[1::2], strict=True))
    done = _run(sandbox_bin, "bootstrap-vault.sh", "--dry-run", *[x for kv in values.items() for x in kv])

    assert done.returncode == code
    assert message in done.stderr


def test_bootstrap_vault_refuses_a_file_that_is_not_a_certificate(sandbox_bin, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
    done = _run(sandbox_bin, "bootstrap-vault.sh", "--dry-run", "--ca-file", str(key), "--no-login-check")

    assert done.returncode == 4
    assert "holds no PEM certificate" in done.stderr


def test_bootstrap_vault_login_check_never_prints_a_token(tmp_path, fakes, ca_file):
    log = tmp_path / "calls.log"
    received = tmp_path / "vault-stdin"
    _fake(fakes, "kubectl", """\
case "$*" in
  *"create token"*) printf '%s\\n' "$FAKE_JWT" ;;
  *"create configmap"*) printf 'kind: ConfigMap\\n' ;;
  *"apply -f -"*) cat >>"$FAKE_LOG" ;;
  *"get namespace"*) printf 'namespace/%s\\n' "$4" ;;
esac""")
    _fake(fakes, "vault", """\
cat >>"$VAULT_STDIN"
[[ $VAULT_ADDR == https://vault.example.com:8200 && -n $VAULT_CACERT ]] || exit 5
printf '[default secure-mlops-pipeline]'""")
    done = _run(fakes, "bootstrap-vault.sh", "--ca-file", str(ca_file), "--vault-addr",
                "https://vault.example.com:8200",
                env={"FAKE_LOG": str(log), "FAKE_JWT": FAKE_JWT, "VAULT_STDIN": str(received)})

    assert done.returncode == 0, done.stderr
    assert FAKE_JWT not in done.stdout + done.stderr + log.read_text()
    assert received.read_text() == FAKE_JWT * 2  # the token reached vault on stdin, once per role
    assert ("login ok: kubeflow-user-example-com/secure-mlops-pipeline as Vault role secure-mlops-pipeline, "
            "policies [default secure-mlops-pipeline]") in done.stdout
    assert log.read_text().count("kind: ConfigMap") == 2


def test_bootstrap_vault_stops_when_vault_refuses_the_login(tmp_path, fakes, ca_file):
    log = tmp_path / "calls.log"
    _fake(fakes, "kubectl", """case "$*" in *"create token"*) printf '%s\\n' "$FAKE_JWT" ;; esac""")
    _fake(fakes, "vault", "cat >/dev/null; echo 'Error writing data: permission denied' >&2; exit 2")
    done = _run(fakes, "bootstrap-vault.sh", "--ca-file", str(ca_file), "--vault-addr",
                "https://vault.example.com:8200", env={"FAKE_LOG": str(log), "FAKE_JWT": FAKE_JWT})

    assert done.returncode == 1
    assert "Vault refused the login of kubeflow-user-example-com/secure-mlops-pipeline" in done.stderr
    assert FAKE_JWT not in done.stdout + done.stderr


# --- first-run.sh -------------------------------------------------------------------------------


def test_first_run_dry_run_compiles_submits_waits_and_shows_the_service(sandbox_bin):
    done = _run(sandbox_bin, "first-run.sh", "--dry-run", "--host", "https://kfp.example.com/pipeline",
                "--namespace", "team-a", "--param", "data_uri=s3://lake/raw/", "--param", "seed=3",
                env={"SECURE_MLOPS_CLI": "secure-mlops", "PYTHON": "python3"})

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    package = f"{ROOT}/build/secure-mlops.yaml"
    assert commands[1] == f"secure-mlops compile --output {package}"
    assert commands[2] == (
        "secure-mlops submit --host https://kfp.example.com/pipeline --namespace team-a "
        f"--service-account secure-mlops-pipeline --package {package} --param data_uri=s3://lake/raw/ --param seed=3"
    )
    assert commands[3].startswith("python3 -c ") and "wait_for_run_completion" in commands[3]
    assert commands[3].endswith("https://kfp.example.com/pipeline team-a '<run-id>' 7200")
    assert commands[4] == "kubectl -n secure-mlops get deployment,service inference -o wide"
    assert "kubectl -n secure-mlops port-forward svc/inference 3000:3000" in done.stdout
    assert "http://127.0.0.1:3000/predict" in done.stdout


def test_first_run_no_wait_skips_the_poll_and_passes_the_vault_address(sandbox_bin):
    done = _run(sandbox_bin, "first-run.sh", "--dry-run", "--host", "https://kfp.example.com/pipeline", "--no-wait",
                "--vault-addr", "https://vault.example.com:8200", env={"SECURE_MLOPS_CLI": "secure-mlops"})

    assert done.returncode == 0, done.stderr
    commands = _commands(done.stdout)
    assert f"secure-mlops compile --output {ROOT}/build/secure-mlops.yaml " \
        "--vault-addr https://vault.example.com:8200" in commands
    assert not any("wait_for_run_completion" in c for c in commands)
    assert "watch it in the KFP UI" in done.stdout


def test_first_run_refuses_a_parameter_that_is_not_name_value(sandbox_bin):
    done = _run(sandbox_bin, "first-run.sh", "--dry-run", "--host", "https://kfp.example.com/pipeline",
                "--param", "data_uri")

    assert done.returncode == 4
    assert "--param data_uri is not NAME=VALUE" in done.stderr


def test_first_run_waits_for_the_run_id_that_submit_printed(tmp_path, fakes):
    log = tmp_path / "calls.log"
    cli = _fake(fakes, "secure-mlops", """\
if [[ $1 == submit ]]; then
  echo 'started run 3f2a-77 (pipeline version v-9): https://kfp.example.com/pipeline/#/runs/details/3f2a-77'
fi""")
    python = _fake(fakes, "python", 'echo "run $5: SUCCEEDED"')
    _fake(fakes, "kubectl", "true")
    done = _run(fakes, "first-run.sh", "--host", "https://kfp.example.com/pipeline", "--timeout", "60",
                env={"FAKE_LOG": str(log), "SECURE_MLOPS_CLI": str(cli), "PYTHON": str(python)})

    assert done.returncode == 0, done.stderr
    calls = log.read_text()
    compile_, submit, poll = calls.split("\n", 2)[:3]
    assert compile_.startswith("secure-mlops compile --output ")
    assert submit.startswith("secure-mlops submit --host https://kfp.example.com/pipeline")
    # The poll's program spans lines; its arguments end the call.
    assert poll.startswith("python -c ") and \
        "https://kfp.example.com/pipeline kubeflow-user-example-com 3f2a-77 60\n" in poll
    assert calls.endswith("kubectl -n secure-mlops get deployment,service inference -o wide\n")
    assert "run 3f2a-77: SUCCEEDED" in done.stdout


def test_first_run_passes_on_a_failed_run_as_exit_10(tmp_path, fakes):
    log = tmp_path / "calls.log"
    cli = _fake(fakes, "secure-mlops", "[[ $1 != submit ]] || echo 'started run r1 (pipeline version v1): https://k/#/runs/details/r1'")
    python = _fake(fakes, "python", 'echo "run $5: FAILED"; exit 10')
    _fake(fakes, "kubectl", "true")
    done = _run(fakes, "first-run.sh", "--host", "https://kfp.example.com/pipeline",
                env={"FAKE_LOG": str(log), "SECURE_MLOPS_CLI": str(cli), "PYTHON": str(python)})

    assert done.returncode == 10
    assert "kubectl" not in log.read_text()
