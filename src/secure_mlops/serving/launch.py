"""Start `bentoml serve` on a bento, after checking in this process that its release verifies.

BentoML retries a worker whose start-up fails, forever, printing a traceback each time. So the
release is verified here first (the same check each worker repeats before it answers): a bad
bento is refused with one line and exit status 6, and no server starts.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from secure_mlops.config import Settings
from secure_mlops.errors import ConfigError, InputError
from secure_mlops.packaging.bento import BENTO_YAML, bento_info
from secure_mlops.packaging.home import use_bentoml_home
from secure_mlops.packaging.layout import BENTO_MODELS_DIR, BENTO_SOURCE_DIR
from secure_mlops.serving.release import read_release, verify_release

BENTO_NAME = "secure-mlops-inference"


@dataclass(frozen=True)
class Served:
    bento_dir: Path
    bento_tag: str
    model_tag: str


def resolve_bento(bento: str | None, settings: Settings) -> Path:
    """A bento folder from a folder path or a tag in the local store. Without either: the newest
    bento in the store, resolved to its exact version (it is verified like any other)."""
    if bento and Path(bento).is_dir():
        if not (Path(bento) / BENTO_YAML).is_file():
            raise InputError(f"{bento} is not a bento folder (no {BENTO_YAML})")
        return Path(bento).resolve()
    home = use_bentoml_home(settings)
    import bentoml
    from bentoml.exceptions import BentoMLException, NotFound

    tag = bento or f"{BENTO_NAME}:latest"
    try:
        return Path(bentoml.bentos.get(tag).path)
    except NotFound:
        raise InputError(f"bento {tag} is not in the BentoML store at {home}",
                         hint="run the pipeline first (`make demo` or `secure-mlops run`)") from None
    except (BentoMLException, ValueError) as exc:
        raise InputError(f"invalid bento tag {tag!r}: {exc}") from None


def check_release(bento_dir: Path, settings: Settings) -> Served:
    """Verify the bento's signed release as a worker would; `IntegrityError` on any mismatch."""
    from secure_mlops.vault.services import manifest_signer

    bento_tag, model_tag = bento_info(bento_dir)
    release = read_release(bento_dir / BENTO_SOURCE_DIR)
    verify_release(release, _model_dir(bento_dir, release.model_tag, settings), manifest_signer(settings))
    return Served(bento_dir=bento_dir, bento_tag=bento_tag, model_tag=model_tag)


def _model_dir(bento_dir: Path, model_tag: str, settings: Settings) -> Path:
    # An exported bento (the image) carries its model; one in the local store finds it there.
    name, _, version = model_tag.partition(":")
    inside = bento_dir / BENTO_MODELS_DIR / name / version
    if inside.is_dir():
        return inside
    use_bentoml_home(settings)
    import bentoml
    from bentoml.exceptions import NotFound

    try:
        return Path(bentoml.models.get(model_tag).path)
    except NotFound:
        raise InputError(f"model {model_tag}, which the bento serves, is not in the BentoML store") from None


def tls_env(cert: Path | None, key: Path | None) -> dict[str, str]:
    """The settings that make the service serve HTTPS (see `runtime.service_config`)."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise InputError("TLS needs both --tls-cert and --tls-key")
    for path in (cert, key):
        if not path.is_file():
            raise InputError(f"{path} is not a file")
    return {"SECURE_MLOPS_SERVING_TLS_CERT": str(cert.resolve()), "SECURE_MLOPS_SERVING_TLS_KEY": str(key.resolve())}


def serve_argv(bento_dir: Path, host: str, port: int) -> list[str]:
    bentoml = Path(sys.executable).with_name("bentoml")
    if not bentoml.exists():
        raise ConfigError(f"bentoml is not installed beside {sys.executable}")
    return [str(bentoml), "serve", str(bento_dir), "--host", host, "--port", str(port)]


@contextmanager
def server_environment(settings: Settings, extra: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment of one `bentoml serve`, valid while the context lasts.

    BentoML empties `<BENTOML_HOME>/prometheus_multiproc_dir` whenever a server starts, so two
    servers sharing a home lose each other's metrics. Each server gets a home of its own that
    links to the shared model and bento stores."""
    store = use_bentoml_home(settings)
    with tempfile.TemporaryDirectory(prefix="secure-mlops-serve-") as home:
        for name in ("models", "bentos"):
            (Path(home) / name).symlink_to(store / name, target_is_directory=True)
        env = {**os.environ, **extra, "BENTOML_HOME": home}
        env.setdefault("BENTOML_DO_NOT_TRACK", "true")
        # The service's settings come from the environment; pin the state dir this process used
        # so the token file and the local Vault's credentials are the same ones.
        env["SECURE_MLOPS_STATE_DIR"] = str(settings.state_dir)
        # Serving from the store must not change the bento it verified (Python would add caches).
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        yield env


def run_server(argv: list[str], env: dict[str, str]) -> int:
    """Run the server in the foreground until it exits; SIGINT, SIGTERM and SIGHUP stop it and
    its workers (they run in their own process group) before this process returns."""
    import signal
    import subprocess

    process = subprocess.Popen(argv, env=env, start_new_session=True)  # noqa: S603 - our own argv, no shell

    def stop(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        return process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
