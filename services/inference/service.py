"""The inference service: wiring only. What it does lives in secure_mlops.serving."""

from pathlib import Path

import bentoml

from secure_mlops import serving

# The contract and training profile beside this file give the API its types; nothing is trusted
# yet: each worker verifies the signed release before it loads the model.
runtime = serving.prepare(Path(__file__).resolve().parent)
Record = runtime.schema.record
Batch = runtime.schema.batch


@bentoml.service(**serving.service_config(runtime))
class InferenceService:
    model_ref = bentoml.models.BentoModel(runtime.release.model_tag)

    def __init__(self) -> None:
        self.predictor = serving.open_predictor(runtime, Path(self.model_ref.path))

    # Positional-only: the body *is* the record model, whose `hide_input_in_errors` governs
    # validation errors (a wrapping model would log the submitted values).
    @bentoml.api(route=serving.PREDICT_ROUTE, output_spec=runtime.schema.prediction)
    def predict(self, record: Record, /):  # noqa: ANN201 - the contract's prediction model
        with serving.answering():
            return self.predictor.predict([record])[0]

    @bentoml.api(route=serving.BATCH_ROUTE, output_spec=runtime.schema.batch_prediction)
    def predict_batch(self, batch: Batch, /):  # noqa: ANN201 - the contract's batch prediction model
        with serving.answering():
            return runtime.schema.batch_prediction(predictions=self.predictor.predict(batch.records))


InferenceService.add_asgi_middleware(serving.RequestGuard, **serving.guard_options(runtime))
