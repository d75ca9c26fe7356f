#!/usr/bin/env bash
# `pulumi preview` of one of the project's stacks with the policy pack enforced at that stack's
# levels, on a local state backend, offline:
#
#   scripts/preview.sh <stack> [extra `pulumi preview` arguments...]
#   scripts/preview.sh dev
#   scripts/preview.sh prod --json
#
# runs, from the repository root,
#
#   pulumi preview --stack <stack> --config-file <copy of Pulumi.<stack>.yaml> \
#     --policy-pack policy --policy-pack-config policy-config/<stack>.json [extra arguments]
#
# - Toolchain: scripts/pulumi-env.sh (Node.js 22, the pinned Pulumi CLI and Kubernetes
#   provider; builds them on first use).
# - Policy pack: scripts/policy-pack.sh installs its packages and builds its JavaScript
#   when they are missing or out of date.
# - State: a local file backend in $K8S_ML_PREVIEW_STATE (default $K8S_ML_CACHE/preview-state,
#   outside the repository), never Pulumi Cloud; a caller's PULUMI_BACKEND_URL is ignored. The
#   stack is created there on first use.
# - Secrets: PULUMI_CONFIG_PASSPHRASE is set to a fixed, published passphrase. It is a
#   local-only test passphrase for these throwaway preview stacks, which hold no secrets; it
#   protects nothing, so never use it for a stack that does.
# - Stack config: the CLI writes a passphrase stack's `encryptionsalt` into its stack config
#   file, so the committed Pulumi.<stack>.yaml is never handed to it: the stack is created from
#   a scratch project directory, and each preview reads a temporary copy of the stack file
#   (--config-file) without its secrets-provider keys, taking the salt from the stack's state
#   (PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER). Secure values in the stack file cannot be
#   decrypted here; set secrets through your own backend and `pulumi preview`.
# - Cluster: offline by default. KUBECONFIG points at scripts/offline-kubeconfig.yaml, whose only
#   cluster has no server, so the provider fails to build a client without touching the
#   network or falling back to ~/.kube/config or in-cluster credentials, marks the cluster
#   unreachable, and previews from the program's inputs alone (no server-side dry run or
#   lookups; with the empty local state every resource is a create). Set
#   K8S_ML_PREVIEW_KUBECONFIG to a kubeconfig to preview against that cluster instead (a
#   `kubernetes:kubeconfig` in the stack config wins over both).
#
# Exit status: pulumi's (non-zero for a mandatory policy violation, invalid config or any
# error), 2 for bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT=k8s-ml-patterns
LOCAL_PASSPHRASE=k8s-ml-patterns-local-preview-only

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

case "${1:-}" in
  "" | -*)
    [ "${1:-}" = -h ] || [ "${1:-}" = --help ] || echo "preview: the first argument is the stack name" >&2
    usage
    exit 2
    ;;
esac
stack="$1"
shift
if ! [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]]; then
  echo "preview: invalid stack name '$stack'" >&2
  exit 2
fi
for f in "Pulumi.$stack.yaml" "policy-config/$stack.json"; do
  if [ ! -f "$ROOT/$f" ]; then
    echo "preview: $f not found (stacks: one Pulumi.<stack>.yaml with a policy-config/<stack>.json each)" >&2
    exit 2
  fi
done

# shellcheck source=scripts/pulumi-env.sh
source "$ROOT/scripts/pulumi-env.sh"

state="${K8S_ML_PREVIEW_STATE:-$K8S_ML_CACHE/preview-state}"
mkdir -p "$state/scratch/$PROJECT" "$state/tmp"
state="$(cd "$state" && pwd)"
export PULUMI_BACKEND_URL="file://$state"
export PULUMI_CONFIG_PASSPHRASE="$LOCAL_PASSPHRASE"
unset PULUMI_CONFIG_PASSPHRASE_FILE
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true

if [ -n "${K8S_ML_PREVIEW_KUBECONFIG:-}" ]; then
  export KUBECONFIG="$K8S_ML_PREVIEW_KUBECONFIG"
else
  export KUBECONFIG="$ROOT/scripts/offline-kubeconfig.yaml"
fi

# The pack's packages and its JavaScript build, when missing or out of date.
"$ROOT/scripts/policy-pack.sh"

# The stack, created from a scratch project of the same name, so that the CLI writes the new
# stack's encryptionsalt there rather than into the committed Pulumi.<stack>.yaml.
printf 'name: %s\nruntime: nodejs\n' "$PROJECT" >"$state/scratch/$PROJECT/Pulumi.yaml"
if ! out="$(pulumi stack init "$stack" --cwd "$state/scratch/$PROJECT" --no-select --non-interactive 2>&1)"; then
  case "$out" in
    *"already exists"*) ;;
    *)
      echo "$out" >&2
      echo "preview: could not create stack $stack in $state" >&2
      exit 1
      ;;
  esac
fi

tmp="$(mktemp -d "$state/tmp/$stack.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
config="$tmp/Pulumi.$stack.yaml"
grep -Ev '^(encryptionsalt|secretsprovider|encryptedkey):' "$ROOT/Pulumi.$stack.yaml" >"$config" || true

cd "$ROOT"
status=0
pulumi preview --stack "$stack" --config-file "$config" \
  --policy-pack policy --policy-pack-config "policy-config/$stack.json" "$@" || status=$?
exit "$status"
