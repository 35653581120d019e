"""The bento digest, reading a bento's tags, and the bentofile's promises (checked offline)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import yaml
from sklearn.linear_model import LogisticRegression

from secure_mlops.errors import InputError, IntegrityError
from secure_mlops.packaging import bento_digest, bento_info
from secure_mlops.packaging.bento import default_service_dir
from secure_mlops.packaging.layout import MODEL_FILENAME
from secure_mlops.training import save_model
from tests.support.release import BENTO_TAG, MODEL_TAG, make_bento_dir, stage_service


def test_bento_digest_is_stable_and_ignores_times_permissions_and_creation_order(tmp_path):
    first = make_bento_dir(tmp_path / "a")
    (first / "src" / "z.py").write_text("z\n")
    (first / "src" / "a.py").write_text("a\n")
    second = make_bento_dir(tmp_path / "b")
    (second / "src" / "a.py").write_text("a\n")
    (second / "src" / "z.py").write_text("z\n")
    os.utime(second / "src" / "a.py", (0, 0))
    (second / "src" / "z.py").chmod(0o600)

    assert bento_digest(first) == bento_digest(first) == bento_digest(second)
    assert bento_digest(first).startswith("sha256:") and len(bento_digest(first)) == 71


@pytest.mark.parametrize(
    "change",
    [
        lambda d: (d / "src" / "service.py").write_text("# changed\n"),
        lambda d: (d / "src" / "service.py").rename(d / "src" / "service2.py"),
        lambda d: (d / "src" / "extra.pkl").write_bytes(b"\x80\x04."),
        lambda d: (d / "src" / "sub").mkdir() or (d / "src" / "sub" / "x.py").write_text(""),
    ],
    ids=["content", "rename", "added-file", "added-nested-file"],
)
def test_bento_digest_changes_with_any_file(bento_dir, change):
    before = bento_digest(bento_dir)
    change(bento_dir)

    assert bento_digest(bento_dir) != before


def test_bento_digest_refuses_a_symbolic_link(bento_dir, tmp_path):
    (bento_dir / "src" / "link.py").symlink_to(tmp_path / "elsewhere.py")

    with pytest.raises(IntegrityError, match="symbolic link"):
        bento_digest(bento_dir)


def test_bento_digest_refuses_a_folder_that_is_not_a_bento(tmp_path):
    with pytest.raises(InputError, match="not a bento"):
        bento_digest(tmp_path)


def test_bento_info_reads_the_bento_and_model_tags(bento_dir):
    assert bento_info(bento_dir) == (BENTO_TAG, MODEL_TAG)


def test_bento_info_refuses_a_bento_serving_two_models(bento_dir):
    info = yaml.safe_load((bento_dir / "bento.yaml").read_text())
    info["models"] = [{"tag": "other-model:v1"}]
    (bento_dir / "bento.yaml").write_text(yaml.safe_dump(info))

    with pytest.raises(InputError, match="2 models"):
        bento_info(bento_dir)


def test_bentofile_ships_no_pickle_and_builds_offline():
    config = yaml.safe_load((default_service_dir() / "bentofile.yaml").read_text())

    assert {"**/*.pkl", "**/*.pickle", "**/*.joblib"} <= set(config["exclude"])
    assert not any(p.endswith((".pkl", ".pickle", ".joblib")) for p in config["include"])
    assert config["python"]["lock_packages"] is False  # locking needs a package index
    assert {"name": "BENTOML_DO_NOT_TRACK", "value": "true"} in config["envs"]


# Runs the service's imports and one prediction in a fresh interpreter in which only the
# distributions the bento installs (bentofile `python.packages`, bentoml, and what they require)
# can be imported: what the serving image would fail to import fails here too.
_IMAGE_IMPORTS = textwrap.dedent("""
    import importlib.abc, importlib.metadata as md, os, re, sys
    from pathlib import Path
    import yaml
    from packaging.requirements import Requirement

    service_dir, model_dir = Path(sys.argv[1]), Path(sys.argv[2])
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
    config = yaml.safe_load((service_dir / "bentofile.yaml").read_text())
    todo, allowed = ["bentoml", *config["python"]["packages"]], set()
    while todo:
        name = norm(Requirement(todo.pop()).name)
        if name not in allowed:
            allowed.add(name)
            todo += [r for r in md.requires(name) or []
                     if Requirement(r).marker is None or Requirement(r).marker.evaluate({"extra": ""})]
    owners = md.packages_distributions()
    blocked = {m for m, dists in owners.items()
               if m != "secure_mlops" and not any(norm(d) in allowed for d in dists)}

    class ImageOnly(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.partition(".")[0] in blocked:
                raise ModuleNotFoundError(f"not in the image: {name}", name=name)
            return None

    sys.meta_path.insert(0, ImageOnly())
    sys.path.insert(0, str(service_dir))
    os.environ["SECURE_MLOPS_MODEL_TAG"] = "secure-mlops-model:abc123"
    import service
    from secure_mlops.serving.drift import DriftMonitor
    from secure_mlops.serving.metrics import PrometheusMetrics
    from secure_mlops.serving.predictor import Predictor
    from secure_mlops.training.persistence import load_model

    runtime, metrics = service.runtime, PrometheusMetrics()
    drift = DriftMonitor(runtime.release.profile, runtime.schema.features, metrics, window=50)

    class NoIdentifiers:
        def pseudonyms(self, values):
            return ["0" * 32 for _ in values]

    predictor = Predictor(load_model(model_dir / "model.skops"), runtime.schema, masker=NoIdentifiers(),
                          score_decimals=1, metrics=metrics, drift=drift)
    record = service.Record.model_validate(dict.fromkeys(runtime.schema.feature_names, 0.5))
    print(predictor.predict([record])[0].model_dump_json())
""")


def test_bento_packages_cover_every_import_of_the_service(tmp_path):
    rng = np.random.default_rng(0)
    estimator = LogisticRegression().fit(rng.random((40, 5)), np.array(["benign", "malignant"] * 20))
    save_model(estimator, tmp_path / MODEL_FILENAME)
    service_dir = stage_service(tmp_path / "service")

    done = subprocess.run(
        [sys.executable, "-c", _IMAGE_IMPORTS, str(service_dir), str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    assert '"label":' in done.stdout
