"""Names shared by the code that builds a bento and the service that runs from it."""

from __future__ import annotations

# The one file a packaged model directory holds besides BentoML's model.yaml.
MODEL_FILENAME = "model.skops"
# Set while BentoML imports the service to build a bento: the model the bento declares.
MODEL_TAG_ENV = "SECURE_MLOPS_MODEL_TAG"
# Under the service's source folder (the bento's src/): what the service is built from.
RELEASE_DIR = "release"
CONTRACT_FILE = "contract.yaml"
PROFILE_FILE = "profile.json"
# The CycloneDX SBOM of the inference image's lock (requirements/inference.lock); the signed
# manifest records its digest (`sbom`).
SBOM_FILE = "sbom.cdx.json"
# Added after the bento is built and signed, so the bento digest leaves it out (the manifest
# carries its own signature); see `bento_digest`.
MANIFEST_FILE = "provenance.json"
BENTO_SOURCE_DIR = "src"
BENTO_MODELS_DIR = "models"
