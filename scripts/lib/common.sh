# shellcheck shell=bash
# Shared by the scripts in scripts/ (sourced, never run): option parsing, error exits, the
# --dry-run printer, tool checks and the container engine. Pure bash: parsing options and printing a dry run need
# nothing but bash and coreutils, so `--dry-run` works on a machine without docker or kubectl.
#
# Exit codes, the same in every script: 0 done, 1 a command it ran failed, 2 usage (unknown
# option, missing value), 3 a missing tool or file, 4 a value that fails validation.

# Associative arrays, ${var@Q} and empty arrays under `set -u` need bash 4.4 (macOS ships 3.2).
if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 4))); then
  printf '%s: error: needs bash >= 4.4, this is %s\n' "${0##*/}" "$BASH_VERSION" >&2
  exit 3
fi

# The checkout: every script runs its commands from there, whatever the caller's directory.
ROOT=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
SCRIPT=${0##*/}
DRY_RUN=0
# Every command a dry run would execute is printed on one line after this prefix (the tests parse it).
DRY_RUN_PREFIX='dry-run: '

# fail CODE MESSAGE...: one line on stderr, then exit CODE.
fail() {
  local code=$1
  shift
  printf '%s: error: %s\n' "$SCRIPT" "$*" >&2
  exit "$code"
}

# usage_error MESSAGE: the message and the usage text on stderr, exit 2.
usage_error() {
  printf '%s: error: %s\n\n' "$SCRIPT" "$1" >&2
  usage >&2
  exit 2
}

# need_value "$@": called on an option that takes a value; fails (exit 2, naming the option)
# when the value is missing.
need_value() {
  if (($# < 2)) || [[ -z $2 || $2 == --* ]]; then
    fail 2 "option $1 needs a value"
  fi
}

# require OPTION VALUE: a required option that was not given fails with one line naming it.
require() {
  [[ -n $2 ]] || fail 2 "missing required option $1"
}

# parse_options "$@": the command line, read against the script's option tables (declared with
# `declare -A` before the call). --name=value is the same as --name value; -h/--help prints the
# usage and exits 0; --dry-run sets DRY_RUN; anything else is a usage error.
#   VALUE_OPTIONS[--opt]=VAR   --opt VALUE sets VAR
#   LIST_OPTIONS[--opt]=ARRAY  --opt VALUE appends to ARRAY (a repeatable option)
#   FLAG_OPTIONS[--opt]=VAR=V  --opt sets VAR to V
parse_options() {
  local args=() arg
  for arg in "$@"; do
    if [[ $arg == --*=* ]]; then
      args+=("${arg%%=*}" "${arg#*=}")
    else
      args+=("$arg")
    fi
  done
  set -- "${args[@]}"
  while (($#)); do
    if [[ $1 == -h || $1 == --help ]]; then
      usage
      exit 0
    elif [[ $1 == --dry-run ]]; then
      DRY_RUN=1
    elif [[ -n ${VALUE_OPTIONS[$1]:-} ]]; then
      need_value "$@"
      printf -v "${VALUE_OPTIONS[$1]}" '%s' "$2"
      shift
    elif [[ -n ${LIST_OPTIONS[$1]:-} ]]; then
      need_value "$@"
      local -n list=${LIST_OPTIONS[$1]}
      list+=("$2")
      shift
    elif [[ -n ${FLAG_OPTIONS[$1]:-} ]]; then
      printf -v "${FLAG_OPTIONS[$1]%%=*}" '%s' "${FLAG_OPTIONS[$1]#*=}"
    else
      usage_error "unknown option: $1"
    fi
    shift
  done
}

# quote WORD...: the words as one shell-readable line: plain words as they are, words with
# special characters single-quoted, words with newlines or other control characters as $'...'.
quote() {
  local words=() word quoted
  for word in "$@"; do
    if [[ $word =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
      words+=("$word")
    elif [[ $word == *[[:cntrl:]]* ]]; then
      printf -v quoted '%q' "$word"
      words+=("$quoted")
    else
      words+=("'${word//\'/\'\\\'\'}'")
    fi
  done
  local IFS=' '
  printf '%s' "${words[*]}"
}

# show LINE: in a dry run, print LINE as a command that would run (for commands `run` cannot
# express: pipes, or secrets shown as <placeholders>).
show() {
  printf '%s%s\n' "$DRY_RUN_PREFIX" "$1"
}

# run COMMAND [ARG...]: a dry run prints it; otherwise it is logged on stderr and executed.
run() {
  if ((DRY_RUN)); then
    show "$(quote "$@")"
    return 0
  fi
  printf '+ %s\n' "$(quote "$@")" >&2
  "$@"
}

# enter_root: run from the checkout (a dry run prints the `cd` its other commands are relative to).
enter_root() {
  if ((DRY_RUN)); then
    show "cd $(quote "$ROOT")"
  fi
  cd "$ROOT" || exit 3
}

# require_tools TOOL...: fails (exit 3) naming every tool missing from PATH; a dry run needs none.
require_tools() {
  ((DRY_RUN)) && return 0
  local tool missing=()
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  ((${#missing[@]} == 0)) || fail 3 "not installed or not on PATH: ${missing[*]}"
}

# choose_engine: ENGINE as given (docker, podman or buildah, which must be installed) or, when
# empty, the first of them installed; still empty when none is.
choose_engine() {
  local candidate
  case $ENGINE in
    docker | podman | buildah) require_tools "$ENGINE" ;;
    '')
      for candidate in docker podman buildah; do
        if command -v "$candidate" >/dev/null 2>&1; then
          ENGINE=$candidate
          return 0
        fi
      done
      ;;
    *) fail 4 "--engine must be docker, podman or buildah, not $ENGINE" ;;
  esac
}

# default_python: the checkout's .venv interpreter (it has bentoml and kfp from the lock) when
# there is one, else python3; PYTHON overrides both.
default_python() {
  if [[ -n ${PYTHON:-} ]]; then
    printf '%s' "$PYTHON"
  elif [[ -x $ROOT/.venv/bin/python ]]; then
    printf '%s' "$ROOT/.venv/bin/python"
  else
    printf 'python3'
  fi
}

# valid_registry REGISTRY: a registry host (and optional port) with optional path, lower case, no
# tag or digest: what `<registry>/secure-mlops-pipeline` must be a repository name of.
valid_registry() {
  [[ $1 =~ ^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$ ]]
}

# The two images of a release (their names in the release file), and that file. Used by the
# scripts that source this file:
# shellcheck disable=SC2034
readonly PIPELINE_IMAGE=secure-mlops-pipeline INFERENCE_IMAGE=secure-mlops-inference \
  RELEASE_FILE_DEFAULT=k8s/release/kustomization.yaml
