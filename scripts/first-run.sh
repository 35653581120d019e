#!/usr/bin/env bash
# Compile the pipeline, start a run on Kubeflow Pipelines, wait for it, show the service.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/first-run.sh --host URL [--namespace NS] [--param NAME=VALUE]... [options]

The first pipeline run on a cluster, in four steps:
  1. compile: `secure-mlops compile` (the step image and the inference image come from the
     release file k8s/release/kustomization.yaml, which scripts/push-and-pin.sh writes);
  2. upload and run: `secure-mlops submit`, as the service account secure-mlops-pipeline of
     the profile namespace (the one Vault's and IAM's roles accept);
  3. wait: poll the run with the KFP client until it ends (--no-wait: print where to watch it);
  4. show where the inference service answers, and how to reach it from here.

Options:
  --host URL            KFP API endpoint, e.g. https://kfp.example.com/pipeline (required)
  --namespace NS        Kubeflow profile namespace (default: kubeflow-user-example-com)
  --param NAME=VALUE    pipeline parameter, repeatable, e.g. --param data_uri=s3://lake/raw/
  --vault-addr URL      Vault address the steps use, passed to `secure-mlops compile`
                        (default: the compile command's, https://vault.vault.svc:8200)
  --package FILE        where the compiled pipeline goes (default: build/secure-mlops.yaml;
                        the committed pipelines/compiled/secure-mlops.yaml stays as it is)
  --timeout SECONDS     how long to wait for the run (default: 7200)
  --no-wait             start the run and return
  --dry-run             print every command, one per line after "dry-run: ", and run none
  -h, --help            show this text

Environment: SECURE_MLOPS_CLI is the secure-mlops command (default: .venv/bin/secure-mlops,
else secure-mlops on PATH); PYTHON polls the run (default: .venv/bin/python, else python3).
Exit codes: 0 the run succeeded (or started, with --no-wait), 1 a command failed or the wait
timed out, 2 usage, 3 a tool is missing, 4 invalid value, 10 the run failed.

Example:
  scripts/first-run.sh --host https://kfp.example.com/pipeline --namespace kubeflow-user-example-com \
    --param data_uri=s3://example-secure-mlops-prod-data/raw/patients/
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

readonly SERVING_NAMESPACE=secure-mlops SERVICE=inference
HOST='' NAMESPACE=kubeflow-user-example-com PARAMS=() VAULT_URL='' PACKAGE=''
TIMEOUT=7200 WAIT=1
declare -A VALUE_OPTIONS=([--host]=HOST [--namespace]=NAMESPACE [--vault-addr]=VAULT_URL [--package]=PACKAGE
  [--timeout]=TIMEOUT)
declare -A LIST_OPTIONS=([--param]=PARAMS) FLAG_OPTIONS=([--no-wait]=WAIT=0)
parse_options "$@"

require --host "$HOST"
[[ $HOST =~ ^https?://[^[:space:]]+$ ]] || fail 4 "--host must be an http(s):// URL, not $HOST"
[[ $NAMESPACE =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] || fail 4 "--namespace $NAMESPACE is not a namespace name"
[[ -z $VAULT_URL || $VAULT_URL =~ ^https://[^[:space:]]+$ ]] || fail 4 "--vault-addr must be an https:// URL, not $VAULT_URL"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || fail 4 "--timeout must be a number of seconds, not $TIMEOUT"
for param in ${PARAMS[@]+"${PARAMS[@]}"}; do
  [[ $param =~ ^[a-z_][a-z0-9_]*=.*$ ]] || fail 4 "--param $param is not NAME=VALUE"
done
# Relative to where the script was called from, before it moves to the checkout.
if [[ -z $PACKAGE ]]; then
  PACKAGE=$ROOT/build/secure-mlops.yaml
elif [[ $PACKAGE != /* ]]; then
  PACKAGE=$PWD/$PACKAGE
fi

if [[ -n ${SECURE_MLOPS_CLI:-} ]]; then
  CLI=$SECURE_MLOPS_CLI
elif [[ -x $ROOT/.venv/bin/secure-mlops ]]; then
  CLI=$ROOT/.venv/bin/secure-mlops
else
  CLI=secure-mlops
fi
PY=$(default_python)
if ((WAIT)); then
  require_tools "$CLI" "$PY" kubectl
else
  require_tools "$CLI" kubectl
fi
enter_root

# 1. Compile.
compile=("$CLI" compile --output "$PACKAGE")
[[ -z $VAULT_URL ]] || compile+=(--vault-addr "$VAULT_URL")
run "${compile[@]}"

# 2. Upload as a new pipeline version and start a run as secure-mlops-pipeline.
submit=("$CLI" submit --host "$HOST" --namespace "$NAMESPACE" --service-account secure-mlops-pipeline
  --package "$PACKAGE")
for param in ${PARAMS[@]+"${PARAMS[@]}"}; do
  submit+=(--param "$param")
done
RUN_ID='<run-id>' RUN_URL='<run-url>'
if ((DRY_RUN)); then
  run "${submit[@]}"
else
  # `submit` prints "started run <id> (pipeline version <id>): <url>".
  started=$(run "${submit[@]}")
  printf '%s\n' "$started"
  [[ $started =~ started\ run\ ([^[:space:]]+)\ .*:\ ([^[:space:]]+)$ ]] \
    || fail 1 "could not read the run id from the output of secure-mlops submit"
  RUN_ID=${BASH_REMATCH[1]} RUN_URL=${BASH_REMATCH[2]}
fi

# 3. Wait, with the KFP client `submit` used (same host, namespace and credentials).
if ((WAIT)); then
  # Exit 10 (the CLI's "pipeline run failed") unless the run succeeded, 1 on timeout.
  poll='import sys, kfp
host, namespace, run_id, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
try:
    run = kfp.Client(host=host, namespace=namespace).wait_for_run_completion(run_id, timeout=timeout)
except TimeoutError:
    sys.exit(f"run {run_id} still running after {timeout} s")
print(f"run {run_id}: {run.state}")
sys.exit(0 if str(run.state).upper() == "SUCCEEDED" else 10)'
  printf 'waiting for run %s (up to %s s): %s\n' "$RUN_ID" "$TIMEOUT" "$RUN_URL" >&2
  run "$PY" -c "$poll" "$HOST" "$NAMESPACE" "$RUN_ID" "$TIMEOUT"
else
  printf 'run started; watch it in the KFP UI: %s\n' "$RUN_URL"
fi

# 4. Where the service answers: the Deployment and Service of k8s/overlays/<env>.
run kubectl -n "$SERVING_NAMESPACE" get deployment,service "$SERVICE" -o wide
cat <<EOF
The inference service answers inside the cluster at http://$SERVICE.$SERVING_NAMESPACE.svc:3000
(Pods become ready once their image is pinned and their signed bento verifies with Vault).
From this machine:
  kubectl -n $SERVING_NAMESPACE port-forward svc/$SERVICE 3000:3000
  curl -H "Authorization: Bearer \$(cat team-a.token)" -H 'Content-Type: application/json' \\
       -d '{"mean_radius": 14.1, "mean_texture": 19.3, "mean_perimeter": 92.0, "mean_area": 655.0, "mean_smoothness": 0.096}' \\
       http://127.0.0.1:3000/predict
(a token from \`secure-mlops token create --name team-a > team-a.token\`, its hash in the
Secret inference-tokens: docs/operator-guide.md)
EOF
