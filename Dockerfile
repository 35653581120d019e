# syntax=docker/dockerfile:1
# The image every pipeline step runs in on a cluster (set SECURE_MLOPS_PIPELINE_IMAGE to its
# digest when compiling). Multi-stage: the final stage has no compiler, no pip cache, no source.
# Base pinned by digest, written out rather than passed as a build argument, so the reviewed
# Dockerfile is what builds and scanners see the pin; refresh it (and services/inference's, the
# same base) with `docker buildx imagetools inspect python:3.11-slim-bookworm`.
# checkov:skip=CKV_DOCKER_2:a pipeline step is a batch process with no endpoint to probe; KFP's timeout (pipelines/platform.py) bounds it
FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS python-base

FROM python-base AS build
WORKDIR /build
COPY requirements/lock.txt requirements/lock.txt
# Hash-checking mode: a dependency whose bytes differ from the lock is refused.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements/lock.txt
COPY pyproject.toml README.md ./
COPY src ./src
COPY pipelines ./pipelines
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation .

FROM python-base
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    SECURE_MLOPS_SCRATCH_DIR=/scratch \
    SECURE_MLOPS_PROJECT_ROOT=/app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Contracts are read by relative path (the pipeline's default contract_path); the package and
# deploy steps build the bento from services/ and render k8s/ (SECURE_MLOPS_PROJECT_ROOT=/app).
COPY policies ./policies
COPY services ./services
COPY k8s ./k8s
# The package step puts the inference image's SBOM, made from this lock, into the bento.
COPY requirements/inference.lock ./requirements/inference.lock
# A numeric non-root user (matches the pipeline's securityContext); nothing here is writable:
# steps write to /tmp and the memory-backed /scratch volume only.
USER 10001:10001
ENTRYPOINT []
