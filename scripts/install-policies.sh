#!/usr/bin/env bash
# Install the Kubernetes admission policies of policies/kubernetes. Usage below (--help).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/install-policies.sh [--check] [--dry-run]

Applies every admission policy and its binding, `kubectl apply -k policies/kubernetes`, to the
cluster of kubectl's current context (ValidatingAdmissionPolicy: Kubernetes >= 1.30). They are
cluster-scoped: install them once per cluster, before the workloads they check, and again
after a change to policies/kubernetes. --check renders them (`kubectl kustomize`) without
touching the cluster.

Options:
  --check      render the policies to stdout only; no cluster needed
  --dry-run    print every command, one per line after "dry-run: ", and run none
  -h, --help   show this text

Exit codes: 0 done, 1 kubectl failed, 2 usage, 3 kubectl not installed.

Example:
  scripts/install-policies.sh --check && scripts/install-policies.sh
EOF
}

# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

CHECK=0
declare -A VALUE_OPTIONS=() LIST_OPTIONS=() FLAG_OPTIONS=([--check]=CHECK=1)
parse_options "$@"

require_tools kubectl
enter_root
if ((CHECK)); then
  run kubectl kustomize policies/kubernetes
else
  run kubectl apply -k policies/kubernetes
  if ((!DRY_RUN)); then
    printf 'admission policies installed; list them with: kubectl get validatingadmissionpolicies,validatingadmissionpolicybindings\n'
  fi
fi
