#!/usr/bin/env bash
# Push the release's images and pin their digests in the release file. Usage below (--help).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/push-and-pin.sh --registry REGISTRY --tag TAG [options]
       scripts/push-and-pin.sh --pin-only --registry REGISTRY --pipeline-digest D --inference-digest D

Pushes REGISTRY/secure-mlops-pipeline:TAG and REGISTRY/secure-mlops-inference:TAG (as
scripts/build-images.sh named them), reads the digest the registry returned for each, and writes
both into the release file k8s/release/kustomization.yaml: the `newName` and `digest` of its
two `images:` entries, nothing else. `secure-mlops compile` and the prod overlay read the images
from there. A digest must be sha256: and 64 lower-case hex digits; the file is replaced
atomically (a temporary file, then a rename) and left untouched when anything is invalid.

--pin-only rewrites the file with digests you already know (e.g. from CI) and pushes nothing.

Options:
  --registry REGISTRY      registry and path of both images, e.g. ghcr.io/acme (required)
  --tag TAG                tag the images were built with (required unless --pin-only)
  --only WHICH             push and pin only `pipeline` or only `inference` (the other entry
                           stays as it is); with --pin-only, give only that digest
  --engine ENGINE          docker, podman or buildah (default: the first one installed)
  --pin-only               no push: write the digests given below
  --pipeline-digest D      sha256:<64 hex> of the pipeline image (with --pin-only)
  --inference-digest D     sha256:<64 hex> of the inference image (with --pin-only)
  --release-file FILE      the file to rewrite (default: k8s/release/kustomization.yaml)
  --dry-run                print every command, one per line after "dry-run: ", run none, and
                           leave the release file as it is
  -h, --help               show this text

Exit codes: 0 pinned, 1 a command failed, 2 usage, 3 no engine or no release file,
4 invalid registry or digest, or a release file without the two entries.

Examples:
  scripts/push-and-pin.sh --registry ghcr.io/acme --tag 2025.06.1
  scripts/push-and-pin.sh --pin-only --registry ghcr.io/acme \
    --pipeline-digest sha256:<64 hex> --inference-digest sha256:<64 hex>
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

REGISTRY='' TAG='' ONLY='' ENGINE='' PIN_ONLY=0 PIPELINE_DIGEST='' INFERENCE_DIGEST='' RELEASE_FILE=''
declare -A VALUE_OPTIONS=([--registry]=REGISTRY [--tag]=TAG [--only]=ONLY [--engine]=ENGINE
  [--pipeline-digest]=PIPELINE_DIGEST [--inference-digest]=INFERENCE_DIGEST [--release-file]=RELEASE_FILE)
declare -A LIST_OPTIONS=() FLAG_OPTIONS=([--pin-only]=PIN_ONLY=1)
parse_options "$@"

require --registry "$REGISTRY"
valid_registry "$REGISTRY" || fail 4 "--registry $REGISTRY is not a registry path such as ghcr.io/acme (lower case, no tag)"
case $ONLY in
  '') IMAGES=("$PIPELINE_IMAGE" "$INFERENCE_IMAGE") ;;
  pipeline) IMAGES=("$PIPELINE_IMAGE") ;;
  inference) IMAGES=("$INFERENCE_IMAGE") ;;
  *) fail 4 "--only must be pipeline or inference, not $ONLY" ;;
esac
if ((PIN_ONLY)); then
  [[ -z $TAG && -z $ENGINE ]] || fail 2 "--tag and --engine are for pushing; --pin-only pushes nothing"
  for image in "${IMAGES[@]}"; do
    if [[ $image == "$PIPELINE_IMAGE" ]]; then
      require --pipeline-digest "$PIPELINE_DIGEST"
    else
      require --inference-digest "$INFERENCE_DIGEST"
    fi
  done
  [[ $ONLY != pipeline || -z $INFERENCE_DIGEST ]] || fail 2 "--only pipeline takes no --inference-digest"
  [[ $ONLY != inference || -z $PIPELINE_DIGEST ]] || fail 2 "--only inference takes no --pipeline-digest"
else
  require --tag "$TAG"
  [[ -z $PIPELINE_DIGEST && -z $INFERENCE_DIGEST ]] || fail 2 "--pipeline-digest and --inference-digest need --pin-only"
  [[ $TAG =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || fail 4 "--tag $TAG is not a valid image tag"
fi
# Relative to where the script was called from, before it moves to the checkout.
if [[ -z $RELEASE_FILE ]]; then
  RELEASE_FILE=$ROOT/$RELEASE_FILE_DEFAULT
elif [[ $RELEASE_FILE != /* ]]; then
  RELEASE_FILE=$PWD/$RELEASE_FILE
fi

# check_digest OPTION DIGEST: a sha256 digest as registries return it, or exit 4.
check_digest() {
  [[ $2 =~ ^sha256:[0-9a-f]{64}$ ]] || fail 4 "$1 ${2@Q} is not a digest: sha256: and 64 lower-case hex digits"
}

# Temporary files (the rewritten release file until its rename, digest files): gone on exit.
TMP_FILES=()
WORK=''
cleanup() {
  if ((${#TMP_FILES[@]})); then
    rm -f -- "${TMP_FILES[@]}"
  fi
  if [[ -n $WORK ]]; then
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT

# pin FILE NAME=REPOSITORY@DIGEST...: rewrite the newName and digest lines of those entries of
# the file's top-level `images:` list, keeping every other line (comments included) as it is.
# Every entry must exist once, with both lines; otherwise the file is left untouched (exit 4).
pin() {
  local file=$1
  shift
  [[ -f $file ]] || fail 3 "no release file at $file"
  local -A repository=() digest=() entries=() names=() digests=()
  local spec name
  for spec in "$@"; do
    name=${spec%%=*}
    repository[$name]=${spec#*=}
    repository[$name]=${repository[$name]%@*}
    digest[$name]=${spec#*@}
    entries[$name]=0 names[$name]=0 digests[$name]=0
  done
  local lines=() line section='' entry='' key_re='^([[:space:]]*(-[[:space:]]+)?)'
  while IFS= read -r line || [[ -n $line ]]; do
    if [[ $line =~ ^[^[:space:]#-] ]]; then  # a top-level key: a new section
      section=${line%%:*}
      entry=''
    elif [[ $section == images ]]; then
      if [[ $line =~ ${key_re}name:[[:space:]]*[\"\']?([^[:space:]\"\'#]+) ]]; then
        entry=${BASH_REMATCH[3]}
        if [[ -n ${entries[$entry]+set} ]]; then
          entries[$entry]=$((entries[$entry] + 1))
        fi
      elif [[ $line =~ ^[[:space:]]*-[[:space:]] ]]; then  # an entry that does not start with its name
        entry=''
      fi
      if [[ -n $entry && -n ${entries[$entry]+set} ]]; then
        if [[ $line =~ ${key_re}newName:[[:space:]]*[^[:space:]#]+(.*)$ ]]; then
          line="${BASH_REMATCH[1]}newName: ${repository[$entry]}${BASH_REMATCH[3]}"
          names[$entry]=$((names[$entry] + 1))
        elif [[ $line =~ ${key_re}digest:[[:space:]]*[^[:space:]#]+(.*)$ ]]; then
          line="${BASH_REMATCH[1]}digest: ${digest[$entry]}${BASH_REMATCH[3]}"
          digests[$entry]=$((digests[$entry] + 1))
        fi
      fi
    fi
    lines+=("$line")
  done <"$file"
  for name in "${!entries[@]}"; do
    ((entries[$name] == 1 && names[$name] == 1 && digests[$name] == 1)) \
      || fail 4 "$file: the images: list needs one entry $name with one newName and one digest line; file unchanged"
  done
  if ((DRY_RUN)); then
    for spec in "$@"; do
      show "# rewrite $file: ${spec%%=*} newName ${repository[${spec%%=*}]} digest ${digest[${spec%%=*}]}"
    done
    return 0
  fi
  # In the same folder, so the rename is atomic; a copy first, so it keeps the file's mode.
  local tmp
  tmp=$(mktemp "$file.XXXXXX")
  TMP_FILES+=("$tmp")
  cp -p -- "$file" "$tmp"
  printf '%s\n' "${lines[@]}" >"$tmp"
  mv -f -- "$tmp" "$file"
  for spec in "$@"; do
    printf 'pinned %s: %s\n' "${spec%%=*}" "${spec#*=}"
  done
  printf 'in %s\n' "$file"
}

# push IMAGE: push REGISTRY/IMAGE:TAG and set DIGEST to the digest the registry returned (a
# <placeholder> in a dry run).
push() {
  local repo=$REGISTRY/$1
  local ref=$repo:$TAG
  DIGEST="<digest of $ref>"
  if [[ $ENGINE != docker ]]; then
    local digest_file=${WORK:-<tmp>}/$1.digest
    run "$ENGINE" push --digestfile "$digest_file" "$ref"
    if ((!DRY_RUN)); then
      DIGEST=$(<"$digest_file")
    fi
    return 0
  fi
  run docker push "$ref"
  local format='{{range .RepoDigests}}{{println .}}{{end}}'
  if ((DRY_RUN)); then
    run docker inspect --format "$format" "$ref"
    return 0
  fi
  # RepoDigests lists one digest per repository the image was pushed to: take this one's.
  local line
  while IFS= read -r line; do
    if [[ $line == "$repo@"* ]]; then
      DIGEST=${line#*@}
      return 0
    fi
  done < <(run docker inspect --format "$format" "$ref")
  fail 1 "docker reports no digest of $ref in $repo after the push"
}

if ((PIN_ONLY)); then
  [[ -z $PIPELINE_DIGEST ]] || check_digest --pipeline-digest "$PIPELINE_DIGEST"
  [[ -z $INFERENCE_DIGEST ]] || check_digest --inference-digest "$INFERENCE_DIGEST"
  SPECS=()
  [[ -z $PIPELINE_DIGEST ]] || SPECS+=("$PIPELINE_IMAGE=$REGISTRY/$PIPELINE_IMAGE@$PIPELINE_DIGEST")
  [[ -z $INFERENCE_DIGEST ]] || SPECS+=("$INFERENCE_IMAGE=$REGISTRY/$INFERENCE_IMAGE@$INFERENCE_DIGEST")
  pin "$RELEASE_FILE" "${SPECS[@]}"
  exit 0
fi

choose_engine
if [[ -z $ENGINE ]]; then
  ((DRY_RUN)) || fail 3 "no container engine found (docker, podman or buildah) to push with"
  ENGINE=docker
fi
# Checked before pushing: a release file that cannot be pinned should stop us early.
[[ -f $RELEASE_FILE ]] || fail 3 "no release file at $RELEASE_FILE"

enter_root
if ((!DRY_RUN)); then
  WORK=$(mktemp -d)
fi
SPECS=()
for image in "${IMAGES[@]}"; do
  push "$image"
  ((DRY_RUN)) || check_digest "the digest of $REGISTRY/$image:$TAG" "$DIGEST"
  SPECS+=("$image=$REGISTRY/$image@$DIGEST")
done
if ((DRY_RUN)); then
  for spec in "${SPECS[@]}"; do
    show "# rewrite $RELEASE_FILE: ${spec%%=*} newName $REGISTRY/${spec%%=*} digest ${spec#*@}"
  done
  exit 0
fi
pin "$RELEASE_FILE" "${SPECS[@]}"
printf 'next: secure-mlops compile, then kubectl apply -k k8s/overlays/prod\n'
