#!/usr/bin/env bash
# The cluster side of Vault that Terraform does not do: CA ConfigMaps and a first login check.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/bootstrap-vault.sh --ca-file FILE --vault-addr URL [options]

What Terraform's vault module (infra/terraform/modules/vault) leaves to the cluster:
  1. the ConfigMap secure-mlops-vault-ca (key ca.crt: the PEM certificate of the CA that signed
     Vault's TLS certificate) in the pipeline's profile namespace and in secure-mlops, where
     the pods read it as VAULT_CACERT; re-running replaces its content (create | apply);
  2. a first login check: a short-lived token of each workload's ServiceAccount (audience
     vault) logs in to Vault's Kubernetes auth method with its role, as the pods will. Only
     the policies Vault grants are printed, never a token.
Run it after `kubectl apply -k k8s/overlays/<env>`, which creates the namespace secure-mlops
and the ServiceAccounts, and after `terraform apply`, which creates the Vault roles.

Options:
  --ca-file FILE             PEM CA certificate of Vault's TLS certificate (required)
  --vault-addr URL           Vault as reachable from here, https:// (default: $VAULT_ADDR)
  --pipeline-namespace NS    the Kubeflow profile namespace the pipeline runs in
                             (default: kubeflow-user-example-com)
  --auth-mount PATH          Vault's Kubernetes auth mount (default: kubernetes)
  --no-login-check           create the ConfigMaps only
  --dry-run                  print every command, one per line after "dry-run: ", and run
                             none (tokens appear as <token>)
  -h, --help                 show this text

Exit codes: 0 done, 1 a command failed (e.g. Vault refused the login), 2 usage,
3 kubectl or vault not installed, or no CA file, 4 invalid value.

Example:
  scripts/bootstrap-vault.sh --ca-file vault-ca.pem --vault-addr https://vault.example.com:8200 \
    --pipeline-namespace kubeflow-user-example-com
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

readonly CONFIGMAP=secure-mlops-vault-ca
readonly SERVING_NAMESPACE=secure-mlops
CA_FILE='' VAULT_URL=${VAULT_ADDR:-} PIPELINE_NAMESPACE=kubeflow-user-example-com AUTH_MOUNT=kubernetes LOGIN_CHECK=1
declare -A VALUE_OPTIONS=([--ca-file]=CA_FILE [--vault-addr]=VAULT_URL [--pipeline-namespace]=PIPELINE_NAMESPACE
  [--auth-mount]=AUTH_MOUNT)
declare -A LIST_OPTIONS=() FLAG_OPTIONS=([--no-login-check]=LOGIN_CHECK=0)
parse_options "$@"

require --ca-file "$CA_FILE"
if ((LOGIN_CHECK)); then
  require --vault-addr "$VAULT_URL"
  [[ $VAULT_URL =~ ^https://[^[:space:]]+$ ]] || fail 4 "--vault-addr must be an https:// URL, not $VAULT_URL"
fi
[[ $PIPELINE_NAMESPACE =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] \
  || fail 4 "--pipeline-namespace $PIPELINE_NAMESPACE is not a namespace name"
[[ $AUTH_MOUNT =~ ^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$ ]] || fail 4 "--auth-mount $AUTH_MOUNT is not a Vault path"
# The certificate is read here (public, not a secret), so a wrong file fails before any change.
[[ -f $CA_FILE && -r $CA_FILE ]] || fail 3 "--ca-file $CA_FILE is not a readable file"
[[ $(<"$CA_FILE") == *"-----BEGIN CERTIFICATE-----"* ]] || fail 4 "--ca-file $CA_FILE holds no PEM certificate"
[[ $CA_FILE == /* ]] || CA_FILE=$PWD/$CA_FILE

if ((LOGIN_CHECK)); then
  require_tools kubectl vault
else
  require_tools kubectl
fi
enter_root

# Both namespaces come from the overlay: say so rather than create a bare one.
for namespace in "$PIPELINE_NAMESPACE" "$SERVING_NAMESPACE"; do
  run kubectl get namespace "$namespace" -o name \
    || fail 3 "namespace $namespace does not exist: apply the overlay first (kubectl apply -k k8s/overlays/prod)"
done

# create --dry-run=client | apply: creates the ConfigMap, or replaces the content of the existing one.
for namespace in "$PIPELINE_NAMESPACE" "$SERVING_NAMESPACE"; do
  create=(kubectl -n "$namespace" create configmap "$CONFIGMAP" "--from-file=ca.crt=$CA_FILE"
    --dry-run=client -o yaml)
  apply=(kubectl -n "$namespace" apply -f -)
  if ((DRY_RUN)); then
    show "$(quote "${create[@]}") | $(quote "${apply[@]}")"
  else
    printf '+ %s | %s\n' "$(quote "${create[@]}")" "$(quote "${apply[@]}")" >&2
    "${create[@]}" | "${apply[@]}"
  fi
done

# login_check NAMESPACE SERVICE_ACCOUNT ROLE: log in as the pods will. The Kubernetes token goes to
# vault on stdin (printf is a builtin: the token is in no command line), and only the policies of
# the Vault token are printed; the Vault token itself is discarded (it expires with its role's TTL).
login_check() {
  local namespace=$1 account=$2 role=$3
  local token_cmd=(kubectl -n "$namespace" create token "$account" --audience vault --duration 10m)
  local login_cmd=(env "VAULT_ADDR=$VAULT_URL" "VAULT_CACERT=$CA_FILE"
    vault write -field=token_policies "auth/$AUTH_MOUNT/login" "role=$role" jwt=-)
  if ((DRY_RUN)); then
    show "$(quote "${token_cmd[@]}")"
    show "printf %s <token> | $(quote "${login_cmd[@]}")"
    return 0
  fi
  local jwt policies
  printf '+ %s\n' "$(quote "${token_cmd[@]}")" >&2
  jwt=$("${token_cmd[@]}") || fail 1 "kubectl could not create a token for $namespace/$account"
  printf '+ printf %%s <token> | %s\n' "$(quote "${login_cmd[@]}")" >&2
  policies=$(printf '%s' "$jwt" | "${login_cmd[@]}") \
    || fail 1 "Vault refused the login of $namespace/$account with role $role (see vault's message above)"
  printf 'login ok: %s/%s as Vault role %s, policies %s\n' "$namespace" "$account" "$role" "$policies"
}

if ((LOGIN_CHECK)); then
  login_check "$PIPELINE_NAMESPACE" secure-mlops-pipeline secure-mlops-pipeline
  login_check "$SERVING_NAMESPACE" secure-mlops-inference secure-mlops-inference
fi
if ((!DRY_RUN)); then
  printf 'ConfigMap %s (key ca.crt) is in %s and %s\n' "$CONFIGMAP" "$PIPELINE_NAMESPACE" "$SERVING_NAMESPACE"
fi
