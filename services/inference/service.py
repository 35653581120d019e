"""The inference service: wiring only. What it does lives in secure_mlops.packaging.serving."""

from __future__ import annotations

from pathlib import Path

import bentoml

from secure_mlops.packaging import serving


@bentoml.service(
    resources={"cpu": "1", "memory": "512Mi"},
    traffic={"timeout": 10, "max_concurrency": 32},
)
class InferenceService:
    # The exact model version comes from the environment: the bento build and the Kubernetes
    # deployment both set it to the version named by the signed provenance manifest.
    model_ref = bentoml.models.BentoModel(serving.model_tag_from_env())

    def __init__(self) -> None:
        self.model = serving.load_packaged_model(Path(self.model_ref.path))

    # Positional-only: the request body *is* PatientFeatures, so its `hide_input_in_errors`
    # governs validation errors (a wrapping model would log the submitted values).
    @bentoml.api
    def predict(self, features: serving.PatientFeatures, /) -> serving.Prediction:
        return serving.predict_coarse(self.model, features)
