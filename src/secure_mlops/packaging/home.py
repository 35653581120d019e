"""Where BentoML keeps models and bentos, decided before BentoML reads it.

BentoML reads BENTOML_HOME once per process, on first use, and keeps it. So the project sets it
(when the user has not) before anything touches BentoML's stores, and then checks that BentoML
really uses it: writing models to some other home would lose them silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from secure_mlops.errors import ConfigError

if TYPE_CHECKING:
    from secure_mlops.config import Settings

HOME_ENV = "BENTOML_HOME"
# BentoML sends usage statistics to its vendor unless told not to; a pipeline that handles
# personal data makes no calls it does not need.
DO_NOT_TRACK_ENV = "BENTOML_DO_NOT_TRACK"


def use_bentoml_home(settings: Settings | None = None) -> Path:
    """BENTOML_HOME if set, else `<state dir>/bentoml`; returns the home BentoML now uses."""
    os.environ.setdefault(DO_NOT_TRACK_ENV, "true")
    wanted = os.environ.get(HOME_ENV)
    if not wanted:
        from secure_mlops.config import get_settings  # deferred: the serving image lacks it

        wanted = str((settings or get_settings()).state_dir / "bentoml")
        os.environ[HOME_ENV] = wanted
    from bentoml._internal.configuration.containers import BentoMLContainer

    active = Path(BentoMLContainer.bentoml_home.get()).resolve()
    if active != Path(wanted).expanduser().resolve():
        raise ConfigError(
            f"BentoML already uses {active} in this process, not {wanted}",
            hint=f"set {HOME_ENV} before the first packaging call and keep it for the process",
        )
    return active
