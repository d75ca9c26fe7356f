#!/usr/bin/env bash
# The main job: deploy one of the project's stacks (dev by default) to the local cluster with
# simulated GPU nodes, with the policy pack enforced, and print what was deployed.
#
#   scripts/up-local.sh [<stack>] [pulumi up arguments...]   deploy, then report (default: dev)
#   scripts/up-local.sh --report [<stack>]                    report on a deployed stack
#   scripts/up-local.sh --destroy [<stack>] [arguments...]    pulumi destroy --yes of the stack
#   scripts/up-local.sh --env [<stack>]                       print `export` lines for running
#                                                             pulumi and kubectl by hand (eval)
#
# Every mode first makes sure of what it needs, each step a no-op when already done:
# - Node.js 22 (scripts/node-env.sh) and the project's packages (`npm ci` when node_modules is
#   missing or older than package-lock.json), the policy pack's packages and JavaScript build
#   (scripts/policy-pack.sh);
# - the toolchain (scripts/toolchain.sh: etcd, kubernetes, kwok, pulumi, pulumi-kubernetes;
#   scripts/pulumi-env.sh adds pulumi-yaml after pulumi),
#   then scripts/pulumi-env.sh (the pinned Pulumi CLI and Kubernetes provider on PATH);
# - the local cluster: `scripts/cluster.sh up` (starts it, or reconciles a running one: it
#   re-creates deleted simulated nodes and re-applies the CRDs and namespaces).
#
# Deploying runs, from the repository root,
#
#   pulumi up --stack <stack> --yes --config-file <copy of Pulumi.<stack>.yaml> \
#     --policy-pack policy --policy-pack-config policy-config/<stack>.json [arguments...]
#
# - Cluster: KUBECONFIG is the cluster's own kubeconfig (<cluster dir>/kubeconfig); the
#   Kubernetes provider reads it, so the committed stack files stay untouched. A stack file
#   that sets kubernetes:kubeconfig or kubernetes:context is refused (it would win over it).
# - State: a local file backend inside the cluster's state directory (<cluster dir>/pulumi),
#   so it lives and dies with the cluster: `scripts/cluster.sh down` (or a restart that wipes
#   a crashed cluster) removes both, and a new cluster never meets stale Pulumi state.
# - Secrets and stack files: as in scripts/preview.sh. PULUMI_CONFIG_PASSPHRASE is a fixed,
#   published, local-only passphrase (it protects nothing; these stacks hold no secrets), the
#   stacks are created from a scratch project directory, and each run reads a fresh copy of
#   Pulumi.<stack>.yaml (<cluster dir>/pulumi/config/) without its secrets-provider keys, so
#   the CLI never writes into the committed file. `--config key=value` arguments land in that
#   copy and last for that run only: pass them on every run.
# - Interrupted runs: a `pulumi up` stopped with Ctrl-C (SIGINT) finishes its in-flight steps
#   and leaves a consistent state; the next run simply continues. One that was killed leaves
#   (1) its lock file, which is removed when its pid no longer runs pulumi on this host (never
#   `pulumi cancel`, which would also break a live run's lock), and (2) pending operations:
#   then `pulumi refresh --clear-pending-creates` runs first. It drops the creates that never
#   finished from the state and reads every other resource back from the cluster; the `up`
#   then creates the dropped objects again, adopting those the API server had already created
#   (server-side apply), so nothing is lost or duplicated.
# - Report: the stack's namespace (its `namespace` output): each workload with its readiness,
#   each pod with the simulated node it runs on and that node's nvidia.com/gpu.product, and the
#   GPUs requested against the namespace's ResourceQuota (scripts/localReport/).
#
# Environment: K8S_ML_CLUSTER_DIR, K8S_ML_CLUSTER_PORT_BASE and K8S_ML_CLUSTER_NODES choose
# the cluster (see scripts/cluster.sh); K8S_ML_UP_LOCAL_NO_REPORT=1 skips the report.
# Exit status: pulumi's (non-zero when the update fails or the policy pack refuses it), 2 for
# bad usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT=k8s-ml-patterns
LOCAL_PASSPHRASE=k8s-ml-patterns-local-cluster-only
FAMILIES=(etcd kubernetes kwok pulumi pulumi-kubernetes)

log() { printf 'up-local: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
}

mode=up
case "${1:-}" in
  --report | --destroy | --env)
    mode="${1#--}"
    shift
    ;;
  -h | --help)
    usage
    exit 0
    ;;
esac
stack=dev
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
  stack="$1"
  shift
fi
if ! [[ "$stack" =~ ^[A-Za-z0-9_.-]+$ ]]; then
  log "invalid stack name '$stack'"
  exit 2
fi
if [ "$mode" = report ] || [ "$mode" = env ]; then
  [ $# -eq 0 ] || {
    log "--$mode takes no pulumi arguments"
    exit 2
  }
fi
for f in "Pulumi.$stack.yaml" "policy-config/$stack.json"; do
  [ -f "$ROOT/$f" ] || {
    log "$f not found (stacks: one Pulumi.<stack>.yaml with a policy-config/<stack>.json each)"
    exit 2
  }
done
if grep -Eq '^[[:space:]]*kubernetes:(kubeconfig|context|cluster):' "$ROOT/Pulumi.$stack.yaml"; then
  die "Pulumi.$stack.yaml sets kubernetes:kubeconfig, :context or :cluster, which would win over the local cluster's KUBECONFIG"
fi

# ------------------------------------------------------------------------ toolchain
# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"

"$ROOT/scripts/npm-packages.sh" "$ROOT"
"$ROOT/scripts/policy-pack.sh"

# The toolchain logs every cached family; keep its builds and errors only. Filtered through
# pipelines, never process substitution: bash leaves a process substitution's pipe open in the
# children, the cluster's daemons would inherit it, and the filter (and this script) would
# never see its end.
quiet_cache() { grep -v '^toolchain: .*\(: cached in \|: 0s$\|done in 0s$\)' >&2 || true; }
t0=$SECONDS
{ "$ROOT/scripts/toolchain.sh" "${FAMILIES[@]}" 2>&1 1>&3 3>&- | quiet_cache; } 3>&1
# Sourced, so not in a pipeline: its log (the families are cached by now) is filtered afterwards.
env_log="$(mktemp)"
# shellcheck source=scripts/pulumi-env.sh
if ! source "$ROOT/scripts/pulumi-env.sh" 2>"$env_log"; then
  cat "$env_log" >&2
  rm -f "$env_log"
  die "scripts/pulumi-env.sh failed"
fi
quiet_cache <"$env_log"
rm -f "$env_log"
t_toolchain=$((SECONDS - t0))

# -------------------------------------------------------------------------- cluster
t0=$SECONDS
{ "$ROOT/scripts/cluster.sh" up 2>&1 1>&3 3>&- | quiet_cache; } 3>&1
t_cluster=$((SECONDS - t0))
CLUSTER_DIR="$(realpath -m "${K8S_ML_CLUSTER_DIR:-$ROOT/.cluster}")"
[ -f "$CLUSTER_DIR/kubeconfig" ] || die "no kubeconfig in $CLUSTER_DIR after scripts/cluster.sh up"
export KUBECONFIG="$CLUSTER_DIR/kubeconfig"
unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT

# -------------------------------------------------------------------- pulumi state
STATE="$CLUSTER_DIR/pulumi"
mkdir -p "$STATE/scratch/$PROJECT" "$STATE/config"
export PULUMI_BACKEND_URL="file://$STATE"
export PULUMI_CONFIG_PASSPHRASE="$LOCAL_PASSPHRASE"
unset PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_ACCESS_TOKEN
export PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true

# A pulumi that was killed (SIGKILL, a closed terminal, a crash) leaves its lock file in the
# backend, and every later command on the stack refuses to start. `pulumi cancel` would delete
# all of the stack's locks, a live run's too; instead, remove only locks taken on this host by
# a process that no longer runs pulumi, and stop if a live pulumi holds one.
clear_stale_locks() {
  local f lock pid host exe
  for f in "$STATE"/.pulumi/locks/*/"$PROJECT/$stack"/*.json; do
    [ -f "$f" ] || continue
    # shellcheck disable=SC2016 # JavaScript, not shell
    lock="$(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`${l.pid} ${l.hostname}`)' "$f")" || die "cannot read the lock file $f"
    pid="${lock%% *}"
    host="${lock#* }"
    [ "$host" = "$(uname -n)" ] || die "stack $stack is locked by a pulumi run on $host ($f)"
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
    if [ "$(basename "${exe% (deleted)}")" = pulumi ]; then
      die "stack $stack is locked by a running pulumi (pid $pid); wait for it to finish"
    fi
    log "removing the lock of pulumi pid $pid, which no longer runs: ${f#"$STATE"/}"
    rm -f "$f" "$f.attrs"
  done
}
clear_stale_locks

printf 'name: %s\nruntime: nodejs\n' "$PROJECT" >"$STATE/scratch/$PROJECT/Pulumi.yaml"
if ! out="$(pulumi stack init "$stack" --cwd "$STATE/scratch/$PROJECT" --no-select --non-interactive 2>&1)"; then
  case "$out" in
    *"already exists"*) ;;
    *)
      echo "$out" >&2
      die "could not create stack $stack in $STATE"
      ;;
  esac
fi
CONFIG="$STATE/config/Pulumi.$stack.yaml"
grep -Ev '^(encryptionsalt|secretsprovider|encryptedkey):' "$ROOT/Pulumi.$stack.yaml" >"$CONFIG" || true

cd "$ROOT"

if [ "$mode" = env ]; then
  for v in PATH KUBECONFIG PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER \
    PULUMI_SKIP_UPDATE_CHECK PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_ENV_CLI_VERSION \
    PULUMI_ENV_KUBERNETES_VERSION; do
    printf 'export %s=%q\n' "$v" "${!v}"
  done
  printf 'export K8S_ML_LOCAL_STACK=%q\n' "$stack"
  printf 'export K8S_ML_LOCAL_CONFIG_FILE=%q\n' "$CONFIG"
  # shellcheck disable=SC2016 # printed for the reader's shell to expand
  printf '# then: pulumi <command> --stack "$K8S_ML_LOCAL_STACK" --config-file "$K8S_ML_LOCAL_CONFIG_FILE"\n'
  exit 0
fi

# ---------------------------------------------------------------- pending operations
pending_operations() {
  pulumi stack export --stack "$stack" 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const d=s?JSON.parse(s).deployment:undefined;
      console.log((d&&d.pending_operations?d.pending_operations.length:0))})'
}
if [ "$mode" = up ] || [ "$mode" = destroy ]; then
  pending="$(pending_operations)"
  if [ "${pending:-0}" != 0 ]; then
    log "stack $stack has $pending pending operation(s) from an interrupted run; refreshing it first"
    pulumi refresh --stack "$stack" --yes --skip-preview --clear-pending-creates --config-file "$CONFIG" \
      --suppress-progress >&2
  fi
fi

# --------------------------------------------------------------------------- report
report() {
  local namespace
  namespace="$(pulumi stack output namespace --stack "$stack" 2>/dev/null || true)"
  if [ -z "$namespace" ]; then
    log "stack $stack has no namespace output (nothing deployed?)"
    return 0
  fi
  local kc=("$ROOT/scripts/cluster.sh" kubectl)
  local tmp
  tmp="$(mktemp -d)"
  "${kc[@]}" get nodes -o json >"$tmp/nodes.json"
  "${kc[@]}" get deployments,statefulsets,jobs,pods,resourcequotas,horizontalpodautoscalers \
    -n "$namespace" -o json >"$tmp/objects.json"
  "${kc[@]}" get mlworkflows.ai.example.com -n "$namespace" -o json >"$tmp/workflows.json" 2>/dev/null ||
    echo '{"items":[]}' >"$tmp/workflows.json"
  "${kc[@]}" get workloads.kueue.x-k8s.io -n "$namespace" -o json >"$tmp/queue.json" 2>/dev/null ||
    echo '{"items":[]}' >"$tmp/queue.json"
  # scripts/localReport/: the report from these files (tsx is one of the project's packages).
  node --import tsx "$ROOT/scripts/localReport/main.ts" "$tmp" "$stack" "$namespace" "$KUBECONFIG"
  rm -rf "$tmp"
}

case "$mode" in
  report)
    report
    exit 0
    ;;
  destroy)
    status=0
    pulumi destroy --stack "$stack" --yes --config-file "$CONFIG" "$@" || status=$?
    exit "$status"
    ;;
esac

status=0
t0=$SECONDS
pulumi up --stack "$stack" --yes --config-file "$CONFIG" \
  --policy-pack policy --policy-pack-config "policy-config/$stack.json" "$@" || status=$?
t_up=$((SECONDS - t0))
if [ "${K8S_ML_UP_LOCAL_NO_REPORT:-}" != 1 ]; then
  report || log "could not print the report"
fi
log "toolchain ${t_toolchain}s, cluster ${t_cluster}s, pulumi up ${t_up}s"
if [ "$status" -ne 0 ]; then
  log "pulumi up failed (exit $status); the report above shows where the stack got to"
else
  log "done. kubectl: scripts/cluster.sh kubectl get pods -n <namespace>; remove: scripts/up-local.sh --destroy $stack"
fi
exit "$status"
