#!/usr/bin/env bash
# The project's local Kubernetes cluster: a real control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler) with simulated nodes and pods (KWOK), the
# Kueue controller manager (job queueing and all-or-nothing admission), metrics-server
# (metrics.k8s.io from KWOK's simulated resource usage) and KEDA (its operator and its
# external.metrics.k8s.io server), all on 127.0.0.1.
# See cluster/README.md.
#
#   scripts/cluster.sh up        start (or reconcile) the cluster; waits until usable
#   scripts/cluster.sh down      stop every process it started and remove the state
#   scripts/cluster.sh status    show processes, API health and nodes
#   scripts/cluster.sh env       print `export KUBECONFIG=...` for eval
#   scripts/cluster.sh kubectl   run the toolchain's kubectl against the cluster
#   scripts/cluster.sh stop-component etcd|kube-apiserver
#   scripts/cluster.sh start-component etcd|kube-apiserver
#                                stop one control-plane process, or start it again with the
#                                command line it was started with; for fault tests (a control
#                                plane that fails in the middle of a deploy)
#
# A cluster belongs to the checkout that started it (its path is in <state>/owner): `up` and
# `down` from another checkout are refused with a message naming the owner while the cluster
# runs (a stopped one is taken over), and `up` refuses ports that something else listens on,
# naming the cluster that claimed them. So two checkouts never share half a cluster.
#
# Environment:
#   K8S_ML_CLUSTER_DIR        state directory (default: <repo>/.cluster)
#   K8S_ML_CLUSTER_PORT_BASE  first of the 18 loopback ports used (default: 16440)
#   K8S_ML_CLUSTER_NODES      node config (default: <repo>/cluster/nodes.yaml)
#   K8S_ML_CLUSTER_BIN_PATH   colon-joined directories holding the binaries; by default
#                             they come from `scripts/toolchain.sh --print-path`
#   K8S_ML_CLUSTER_TIMEOUT    seconds to wait for each readiness step (default: 120)
#   K8S_ML_CLUSTER_FORCE=1    `down` stops a cluster owned by another checkout
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$(realpath -m "${K8S_ML_CLUSTER_DIR:-$REPO/.cluster}")"
MARKER=.k8s-ml-cluster # written into STATE; nothing without it is ever removed
NODES_FILE="${K8S_ML_CLUSTER_NODES:-$REPO/cluster/nodes.yaml}"
TIMEOUT="${K8S_ML_CLUSTER_TIMEOUT:-120}"
CONTEXT=k8s-ml-local
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kueue metrics-server keda-operator keda-adapter)
BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kueue metrics-server keda-operator keda-adapter)
# The Kueue integrations the cluster enables: the program queues batch Jobs and training
# StatefulSets (whose pods Kueue admits as one group through the pod integration), and model
# server Deployments when a stack sets queueing.queueServing (each pod admitted on its own).
KUEUE_INTEGRATIONS=(batch/job statefulset pod deployment)
KUEUE_NAMESPACE=kueue-system
SERVICE_CIDR=10.96.0.0/16
SERVICE_IP=10.96.0.1
# Simulated pod IPs. They appear in pod status and EndpointSlices only: nothing listens
# on them and nothing on this machine sends traffic to them.
POD_CIDR=10.244.0.0/16

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------- ports
# Fixed offsets from one base, so that two clusters (e.g. a test run beside a dev
# cluster) only need different K8S_ML_CLUSTER_DIR and K8S_ML_CLUSTER_PORT_BASE.
set_ports() {
  local base="$1"
  [[ "$base" =~ ^[0-9]+$ ]] && ((base >= 1024 && base <= 65518)) || die "bad port base: $base"
  PORT_BASE=$base
  ETCD_CLIENT_PORT=$((base + 0))
  ETCD_PEER_PORT=$((base + 1))
  APISERVER_PORT=$((base + 3))
  KCM_PORT=$((base + 4))
  SCHEDULER_PORT=$((base + 5))
  KWOK_PORT=$((base + 6)) # KWOK's stand-in for the kubelet API (logs, exec)
  KWOK_METRICS_PORT=$((base + 7))
  KUEUE_WEBHOOK_PORT=$((base + 9))
  KUEUE_HEALTH_PORT=$((base + 10))
  KUEUE_METRICS_PORT=$((base + 11))
  METRICS_SERVER_PORT=$((base + 12))
  set_keda_ports "$base"
}

# ------------------------------------------------------------------------- binaries
resolve_binaries() { # [--running]: prefer the binaries the running cluster was started with
  local path="${K8S_ML_CLUSTER_BIN_PATH:-}"
  if [ -z "$path" ] && [ "${1:-}" = --running ] && [ -f "$STATE/bin-path" ]; then
    path="$(cat "$STATE/bin-path")"
  fi
  if [ -z "$path" ]; then
    [ -x "$REPO/scripts/toolchain.sh" ] || die "scripts/toolchain.sh not found; set K8S_ML_CLUSTER_BIN_PATH"
    path="$("$REPO/scripts/toolchain.sh" --print-path etcd kubernetes kwok kueue metrics-server keda)" ||
      die "scripts/toolchain.sh could not provide the cluster binaries"
  fi
  BIN_PATH="$path"
  local b dir found
  for b in "${BINARIES[@]}"; do
    found=""
    IFS=: read -r -a dirs <<<"$path"
    for dir in "${dirs[@]}"; do
      if [ -x "$dir/$b" ]; then found="$dir/$b"; break; fi
    done
    [ -n "$found" ] || die "binary $b not found in $path"
    printf -v "BIN_${b//-/_}" '%s' "$found"
  done
}

kc() { "$BIN_kubectl" --kubeconfig "$STATE/kubeconfig" "$@"; }

ensure_openssl() {
  command -v openssl >/dev/null && return
  [ "$(id -u)" = 0 ] || die "openssl is missing; install it (apt-get install openssl)"
  log "installing openssl from Debian"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2 ||
    die "could not install openssl"
}

remove_state() {
  [ -d "$STATE" ] || return 0
  [ -f "$STATE/$MARKER" ] || die "$STATE was not made by this script (no $MARKER); not removing it"
  rm -rf "$STATE"
}

# ------------------------------------------------------------------------ processes
pid_of() { # prints the pid of a component if its recorded process is alive and is it
  local name="$1" pidfile="$STATE/pids/$1.pid" pid exe
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  # Guards against a recycled pid: the process must run the binary we started.
  [ "$(basename "${exe% (deleted)}")" = "$name" ] || return 1
  echo "$pid"
}

start_component() { # name binary args...
  local name="$1" bin="$2"
  shift 2
  mkdir -p "$STATE/pids" "$STATE/logs"
  # setsid: the control plane outlives the terminal or npm process that started it.
  # 9>&-: the lock this script holds must not be inherited by the long-lived processes.
  setsid "$bin" "$@" >>"$STATE/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$STATE/pids/$name.pid"
  # The command line, NUL-separated, so start-component can start it again exactly so.
  printf '%s\0' "$bin" "$@" >"$STATE/pids/$name.cmdline"
}

alive() { # a pid that exists and is not a zombie
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

stop_group() { # names...; SIGTERM, then SIGKILL after 15 s
  local name pid pids=() i
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then pids+=("$pid"); kill -TERM "$pid" 2>/dev/null || true; fi
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < 150; i++)); do
    local any=0
    for pid in "${pids[@]}"; do alive "$pid" && any=1; done
    ((any)) || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if alive "$pid"; then log "pid $pid did not exit on SIGTERM; killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  sleep 0.2
}

stop_all() { # clients of the API server first, then the API server, then etcd
  stop_group keda-adapter keda-operator metrics-server kueue kwok kube-scheduler kube-controller-manager
  stop_group kube-apiserver
  stop_group etcd
}

check_alive() { # fails with the component's log tail when it died
  local name
  for name in "$@"; do
    if ! pid_of "$name" >/dev/null; then
      log "$name exited; last lines of $STATE/logs/$name.log:"
      tail -n 25 "$STATE/logs/$name.log" >&2 || true
      die "$name failed to start"
    fi
  done
}

wait_for() { # description command... ; polls until the command succeeds
  local what="$1" deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    check_alive "${RUNNING[@]}"
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.25
  done
}

https_ok() { curl -fsk --max-time 2 "https://127.0.0.1:$1/healthz"; }

# -------------------------------------------------------------------------- control
start_control_plane() {
  local pki="$STATE/pki"
  RUNNING=()

  start_component etcd "$BIN_etcd" \
    --name=k8s-ml-local --data-dir="$STATE/etcd" \
    --listen-client-urls="https://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls="https://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="k8s-ml-local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --cert-file="$pki/etcd-server.crt" --key-file="$pki/etcd-server.key" \
    --trusted-ca-file="$pki/ca.crt" --client-cert-auth \
    --unsafe-no-fsync --quota-backend-bytes=$((2 * 1024 * 1024 * 1024)) \
    --log-level=warn
  RUNNING+=(etcd)

  start_component kube-apiserver "$BIN_kube_apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --etcd-servers="https://127.0.0.1:$ETCD_CLIENT_PORT" \
    --etcd-cafile="$pki/ca.crt" --etcd-certfile="$pki/apiserver-etcd-client.crt" \
    --etcd-keyfile="$pki/apiserver-etcd-client.key" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --requestheader-client-ca-file="$pki/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" \
    --kubelet-preferred-address-types=InternalIP,Hostname \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" \
    --authorization-mode=RBAC \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,DefaultTolerationSeconds,Priority,PodSecurity,ResourceQuota,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --profiling=false
  RUNNING+=(kube-apiserver)

  write_kubeconfig "$STATE/kubeconfig" admin
  wait_for "the API server (/readyz)" kc get --raw /readyz

  write_kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
  write_kubeconfig "$STATE/scheduler.kubeconfig" scheduler
  write_kubeconfig "$STATE/kwok.kubeconfig" kwok

  local k="$STATE/controller-manager.kubeconfig"
  start_component kube-controller-manager "$BIN_kube_controller_manager" \
    --kubeconfig="$k" --authentication-kubeconfig="$k" --authorization-kubeconfig="$k" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$STATE/kcm-certs" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez \
    --authentication-skip-lookup \
    --leader-elect=false --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --allocate-node-cidrs=false \
    --kube-api-qps=100 --kube-api-burst=200 --profiling=false
  RUNNING+=(kube-controller-manager)

  k="$STATE/scheduler.kubeconfig"
  start_component kube-scheduler "$BIN_kube_scheduler" \
    --kubeconfig="$k" --authentication-kubeconfig="$k" --authorization-kubeconfig="$k" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$STATE/scheduler-certs" \
    --authorization-always-allow-paths=/healthz,/readyz,/livez \
    --authentication-skip-lookup --leader-elect=false --profiling=false
  RUNNING+=(kube-scheduler)

  start_kwok
}

start_kwok() {
  mkdir -p "$STATE/kwok"
  # KWOK_WORKDIR keeps KWOK from reading or writing ~/.kwok.
  KWOK_WORKDIR="$STATE/kwok" start_component kwok "$BIN_kwok" \
    --config="$REPO/cluster/kwok/stages.yaml" --config="$REPO/cluster/kwok/metrics.yaml" \
    --kubeconfig="$STATE/kwok.kubeconfig" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --node-port="$KWOK_PORT" --cidr="$POD_CIDR" \
    --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$STATE/pki/kwok-serving.crt" --tls-private-key-file="$STATE/pki/kwok-serving.key" \
    --node-lease-duration-seconds=40
  RUNNING+=(kwok)
}

# ------------------------------------------------- PKI, kueue, metrics-server, KEDA
# shellcheck source=scripts/cluster-pki.sh
source "$REPO/scripts/cluster-pki.sh"
# shellcheck source=scripts/cluster-kueue.sh
source "$REPO/scripts/cluster-kueue.sh"
# shellcheck source=scripts/cluster-metrics.sh
source "$REPO/scripts/cluster-metrics.sh"
# shellcheck source=scripts/cluster-keda.sh
source "$REPO/scripts/cluster-keda.sh"

# ------------------------------------------------------------------------- contents
apply_contents() {
  source "$REPO/scripts/node-env.sh" >/dev/null
  local rendered="$STATE/nodes.json"
  node "$REPO/cluster/render-nodes.mjs" "$NODES_FILE" \
    --kubelet-version "$("$BIN_kube_apiserver" --version | awk '{print $2}')" \
    --node-ip 127.0.0.1 --kubelet-port "$KWOK_PORT" >"$rendered"

  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts \
    -f "$REPO/cluster/crds/" -f "$REPO/cluster/namespaces.yaml" >/dev/null
  apply_kueue_crds
  apply_metrics_server_objects
  apply_keda_objects
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f "$rendered" >/dev/null
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts --subresource=status \
    -f "$rendered" >/dev/null

  # Simulated nodes that the config no longer lists.
  local want have stale
  want="$(node -e 'for (const n of JSON.parse(require("fs").readFileSync(process.argv[1])).items) console.log(n.metadata.name)' "$rendered")"
  have="$(kc get nodes -l k8s-ml-patterns/simulated=true -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')"
  stale="$(comm -13 <(sort <<<"$want") <(sort <<<"$have") | grep . || true)"
  if [ -n "$stale" ]; then
    log "deleting nodes no longer in $(basename "$NODES_FILE"): $(echo $stale)"
    # shellcheck disable=SC2086
    kc delete node $stale --wait=false >/dev/null
  fi
  NODE_COUNT="$(grep -c . <<<"$want" || true)"
}

wait_usable() {
  wait_for "kube-controller-manager (/healthz)" https_ok "$KCM_PORT"
  wait_for "kube-scheduler (/healthz)" https_ok "$SCHEDULER_PORT"
  wait_for "the CRDs to be Established" kc wait --for=condition=Established --timeout=5s \
    -f "$REPO/cluster/crds/"
  if ((NODE_COUNT > 0)); then
    wait_for "$NODE_COUNT simulated nodes to be Ready" kc wait --for=condition=Ready --timeout=5s \
      node -l k8s-ml-patterns/simulated=true
  fi
  # Pods can only be created once the service account controller made the namespace's
  # default ServiceAccount.
  wait_for "the default ServiceAccounts" kc get serviceaccount default -n default
  wait_for "the default ServiceAccounts" kc get serviceaccount default -n monitoring
  wait_for "the Kueue controller manager (/readyz)" http_ok "$KUEUE_HEALTH_PORT" readyz
  apply_kueue_webhooks
  wait_for "Kueue's webhooks to answer" kueue_webhooks_answer
  wait_for "the metrics API (APIService $METRICS_APISERVICE Available)" apiservice_available
  wait_keda
}

# shellcheck source=scripts/cluster-owner.sh
source "$REPO/scripts/cluster-owner.sh"

# ------------------------------------------------------------------------- commands
all_running() {
  local name
  for name in "${COMPONENTS[@]}"; do pid_of "$name" >/dev/null || return 1; done
}

load_state_ports() {
  if [ -f "$STATE/ports" ]; then set_ports "$(cat "$STATE/ports")"; else set_ports "${K8S_ML_CLUSTER_PORT_BASE:-16440}"; fi
}

cmd_up() {
  local t0=$SECONDS
  resolve_binaries
  exec 9>"$LOCK"
  flock 9
  RUNNING=("${COMPONENTS[@]}")
  check_owner "start or reconcile"
  if [ -d "$STATE" ] && all_running && [ "$(cat "$STATE/bin-path" 2>/dev/null)" = "$BIN_PATH" ] &&
    load_state_ports && kc get --raw /readyz >/dev/null 2>&1; then
    log "already running; reconciling nodes and CRDs"
    # A cluster started before owners were recorded belongs to whoever reconciles it first.
    [ -f "$STATE/owner" ] || echo "$REPO" >"$STATE/owner"
  else
    if [ -d "$STATE" ]; then
      [ -f "$STATE/$MARKER" ] || die "$STATE exists but was not made by this script; choose another K8S_ML_CLUSTER_DIR"
      log "cleaning up a previous run in $STATE (stopped, crashed, or built from other binaries)"
      stop_all
      release_ports
      remove_state
    fi
    ensure_openssl
    set_ports "${K8S_ML_CLUSTER_PORT_BASE:-16440}"
    check_ports_free
    mkdir -p "$STATE"
    touch "$STATE/$MARKER"
    echo "$REPO" >"$STATE/owner"
    echo "$PORT_BASE" >"$STATE/ports"
    claim_ports
    echo "$BIN_PATH" >"$STATE/bin-path"
    log "starting in $STATE (API server on https://127.0.0.1:$APISERVER_PORT)"
    make_pki
    start_control_plane
  fi
  apply_contents
  # Kueue, metrics-server and KEDA start once their CRDs and RBAC objects exist (apply_contents),
  # so their first reads succeed; on a running cluster they keep running (objects re-applied).
  pid_of kueue >/dev/null || start_kueue
  pid_of metrics-server >/dev/null || start_metrics_server
  start_keda
  wait_usable
  log "ready in $((SECONDS - t0))s: $NODE_COUNT simulated nodes; kubeconfig $STATE/kubeconfig (context $CONTEXT)"
}

cmd_down() {
  exec 9>"$LOCK"
  flock 9
  if [ ! -d "$STATE" ]; then log "not running"; return 0; fi
  [ -f "$STATE/$MARKER" ] || die "$STATE was not made by this script (no $MARKER); not touching it"
  [ "${K8S_ML_CLUSTER_FORCE:-}" = 1 ] || check_owner "stop"
  stop_all
  local name
  for name in "${COMPONENTS[@]}"; do
    if pid_of "$name" >/dev/null; then die "$name (pid $(pid_of "$name")) did not stop"; fi
  done
  release_ports
  remove_state
  log "stopped; removed $STATE"
}

cmd_status() {
  if [ ! -d "$STATE" ]; then echo "cluster: down (no $STATE)"; return 3; fi
  load_state_ports
  local name pid ok=1
  echo "owner: $(owner_of_state || true)${STATE:+ (state $STATE)}"
  for name in "${COMPONENTS[@]}"; do
    if pid="$(pid_of "$name")"; then printf '%-24s running (pid %s)\n' "$name" "$pid"
    else printf '%-24s not running\n' "$name"; ok=0; fi
  done
  resolve_binaries --running
  if kc get --raw /readyz >/dev/null 2>&1; then
    echo "API server: ready at https://127.0.0.1:$APISERVER_PORT"
    echo "kubeconfig: $STATE/kubeconfig (context $CONTEXT)"
    kc get nodes -L nvidia.com/gpu.product -L nvidia.com/gpu.count
  else
    echo "API server: not ready"; ok=0
  fi
  ((ok)) || return 1
}

# ------------------------------------------------------------ stop/start-component
# shellcheck source=scripts/cluster-faults.sh
source "$REPO/scripts/cluster-faults.sh"

LOCK="${TMPDIR:-/tmp}/k8s-ml-cluster.$(printf '%s' "$STATE" | md5sum | cut -c1-16).lock"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) echo "export KUBECONFIG=$(printf '%q' "$STATE/kubeconfig")" ;;
  kubectl) shift; resolve_binaries --running; kc "$@" ;;
  stop-component) cmd_stop_component "${2:-}" ;;
  start-component) cmd_start_component "${2:-}" ;;
  *) sed -n '2,/^set -euo pipefail/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
