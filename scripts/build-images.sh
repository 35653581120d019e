#!/usr/bin/env bash
# Build the release's two images with docker, podman or buildah. Usage below (--help).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/build-images.sh --registry REGISTRY --tag TAG [--model-tag MODEL_TAG] [options]

Builds the two images of a release, from the checkout root:
  REGISTRY/secure-mlops-pipeline:TAG   the step image every pipeline task runs (Dockerfile)
  REGISTRY/secure-mlops-inference:TAG  the inference image (services/inference/Dockerfile): the
                                       exported bento in build/bento, with its model
with the first container engine found: docker, podman or buildah (`buildah bud`). When none is
installed it prints the commands to run elsewhere and exits 3. Push and pin the digests next
with scripts/push-and-pin.sh (same --registry and --tag).

Options:
  --registry REGISTRY  registry and path the images are named under, e.g. ghcr.io/acme (required)
  --tag TAG            tag of both images, e.g. 2025.06.1 (required)
  --model-tag TAG      the model the bento serves, e.g. secure-mlops-model:abc123 (required for the
                       inference image; the Dockerfile checks the bento holds it)
  --bento-dir DIR      copy this bento folder into build/bento first: the package step's `bento`
                       artifact of a run, model included (on a cluster, download it from the
                       lake's artifacts/ prefix with `aws s3 cp --recursive`)
  --bento-tag TAG      or export this bento (with its model) from the BentoML store into
                       build/bento; the store is BENTOML_HOME, else <state dir>/bentoml as
                       `secure-mlops` uses it. Without either, build/bento must hold a bento.
  --only WHICH         build only `pipeline` or only `inference` (default: both)
  --engine ENGINE      docker, podman or buildah (default: the first one installed)
  --platform PLATFORM  target platform, e.g. linux/amd64 (default: the engine's)
  --dry-run            print every command, one per line after "dry-run: ", and run none
  -h, --help           show this text

Environment: PYTHON runs the bento export (default: .venv/bin/python, else python3).
Exit codes: 0 built, 1 a command failed, 2 usage, 3 no engine or no bento, 4 invalid value.

Example:
  scripts/build-images.sh --registry ghcr.io/acme --tag 2025.06.1 \
    --bento-tag secure-mlops-inference:3xkq7mbd5c2v --model-tag secure-mlops-model:h6yq2fbd5cbw
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

REGISTRY='' TAG='' MODEL_TAG='' BENTO_TAG='' BENTO_SOURCE='' ONLY='' ENGINE='' PLATFORM=''
declare -A VALUE_OPTIONS=([--registry]=REGISTRY [--tag]=TAG [--model-tag]=MODEL_TAG [--bento-tag]=BENTO_TAG
  [--bento-dir]=BENTO_SOURCE [--only]=ONLY [--engine]=ENGINE [--platform]=PLATFORM)
declare -A LIST_OPTIONS=() FLAG_OPTIONS=()
parse_options "$@"

require --registry "$REGISTRY"
require --tag "$TAG"
valid_registry "$REGISTRY" || fail 4 "--registry $REGISTRY is not a registry path such as ghcr.io/acme (lower case, no tag)"
[[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail 4 "--tag $TAG is not a valid image tag"
case $ONLY in
  '') BUILD_PIPELINE=1 BUILD_INFERENCE=1 ;;
  pipeline) BUILD_PIPELINE=1 BUILD_INFERENCE=0 ;;
  inference) BUILD_PIPELINE=0 BUILD_INFERENCE=1 ;;
  *) fail 4 "--only must be pipeline or inference, not $ONLY" ;;
esac
if ((BUILD_INFERENCE)); then
  require --model-tag "$MODEL_TAG"
  [[ $MODEL_TAG =~ ^[a-z0-9_.-]+:[A-Za-z0-9_.-]+$ ]] || fail 4 "--model-tag $MODEL_TAG is not a model tag NAME:VERSION"
  [[ -z $BENTO_TAG || $BENTO_TAG =~ ^[a-z0-9_.-]+:[A-Za-z0-9_.-]+$ ]] \
    || fail 4 "--bento-tag $BENTO_TAG is not a bento tag NAME:VERSION"
  [[ -z $BENTO_TAG || -z $BENTO_SOURCE ]] || fail 2 "--bento-tag and --bento-dir are alternatives: give one"
  [[ -z $BENTO_SOURCE || $DRY_RUN == 1 || -f $BENTO_SOURCE/bento.yaml ]] \
    || fail 3 "--bento-dir $BENTO_SOURCE holds no bento (no bento.yaml)"
elif [[ -n $MODEL_TAG || -n $BENTO_TAG || -n $BENTO_SOURCE ]]; then
  fail 2 "--model-tag, --bento-tag and --bento-dir belong to the inference image, which --only pipeline skips"
fi

choose_engine
# No engine: print what to run on a machine that has one (a dry run shows docker's commands).
NO_ENGINE=0
if [[ -z $ENGINE ]]; then
  ENGINE=docker
  if ((!DRY_RUN)); then
    # Printed, not run: the commands as they are, on stdout, to copy.
    NO_ENGINE=1
    DRY_RUN=1
    DRY_RUN_PREFIX=''
    printf '%s: no container engine found (docker, podman or buildah); nothing was built.\n' "$SCRIPT" >&2
    printf '%s: run these commands where one is installed:\n' "$SCRIPT" >&2
  fi
fi

# build DOCKERFILE IMAGE [EXTRA ARG...]: the engine's build command for one image.
build() {
  local dockerfile=$1 image=$2
  shift 2
  local cmd
  case $ENGINE in
    # BuildKit reads services/inference/Dockerfile.dockerignore (the legacy builder would not).
    docker) cmd=(env DOCKER_BUILDKIT=1 docker build) ;;
    podman) cmd=(podman build) ;;
    buildah) cmd=(buildah bud) ;;
  esac
  if [[ -n $PLATFORM ]]; then
    cmd+=(--platform "$PLATFORM")
  fi
  # podman and buildah take the Dockerfile's own ignore file explicitly.
  if [[ $ENGINE != docker && -f $ROOT/$dockerfile.dockerignore ]]; then
    cmd+=(--ignorefile "$dockerfile.dockerignore")
  fi
  run "${cmd[@]}" -f "$dockerfile" "$@" -t "$image" .
}

if [[ -n $BENTO_TAG ]]; then
  require_tools "$(default_python)"
fi
enter_root
if ((BUILD_PIPELINE)); then
  build Dockerfile "$REGISTRY/$PIPELINE_IMAGE:$TAG"
fi
if ((BUILD_INFERENCE)); then
  BENTO_DIR=$ROOT/build/bento
  if [[ -n $BENTO_TAG ]]; then
    # The export copies the model into models/ (the bento store keeps models apart); the
    # target must be absolute and must not exist yet.
    run rm -rf -- "$BENTO_DIR"
    run mkdir -p -- "${BENTO_DIR%/*}"
    run "$(default_python)" -c 'import sys; from pathlib import Path; from secure_mlops.packaging import export_bento, use_bentoml_home; use_bentoml_home(); export_bento(sys.argv[1], Path(sys.argv[2]))' \
      "$BENTO_TAG" "$BENTO_DIR"
  elif [[ -n $BENTO_SOURCE ]]; then
    run rm -rf -- "$BENTO_DIR"
    run mkdir -p -- "${BENTO_DIR%/*}"
    run cp -R -- "$BENTO_SOURCE" "$BENTO_DIR"
  elif ((!DRY_RUN)) && [[ ! -f $BENTO_DIR/bento.yaml ]]; then
    fail 3 "build/bento holds no exported bento: pass --bento-dir or --bento-tag"
  fi
  build services/inference/Dockerfile "$REGISTRY/$INFERENCE_IMAGE:$TAG" \
    --build-arg "SECURE_MLOPS_MODEL_TAG=$MODEL_TAG"
fi

if ((NO_ENGINE)); then
  exit 3
fi
if ((!DRY_RUN)); then
  if ((BUILD_PIPELINE)); then
    printf 'built %s\n' "$REGISTRY/$PIPELINE_IMAGE:$TAG"
  fi
  if ((BUILD_INFERENCE)); then
    printf 'built %s\n' "$REGISTRY/$INFERENCE_IMAGE:$TAG"
  fi
  printf 'next: scripts/push-and-pin.sh --registry %s --tag %s%s\n' "$REGISTRY" "$TAG" \
    "${ONLY:+ --only $ONLY}"
fi
