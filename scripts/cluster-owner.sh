# Which checkout a cluster of scripts/cluster.sh belongs to, and which ports are claimed
# (sourced by it; uses its REPO, STATE, COMPONENTS, pid_of, PORT_BASE and port variables).
# The claims of port bases, machine-wide (ports are): <dir>/<base> holds the state directory.
PORT_CLAIMS="${TMPDIR:-/tmp}/k8s-ml-cluster-ports"

owner_of_state() { cat "$STATE/owner" 2>/dev/null || true; }

any_running() {
  local name
  for name in "${COMPONENTS[@]}"; do pid_of "$name" >/dev/null && return 0; done
  return 1
}

# check_owner ACTION: refuses ACTION while the cluster in STATE runs for another checkout.
check_owner() {
  local owner
  owner="$(owner_of_state)"
  [ -n "$owner" ] && [ "$owner" != "$REPO" ] || return 0
  if any_running; then
    die "the cluster in $STATE belongs to the checkout $owner and is running (port base $(cat "$STATE/ports" 2>/dev/null || echo unknown)); a cluster is never shared between checkouts, so this checkout ($REPO) does not $1 it. Use it from $owner, stop it there (K8S_ML_CLUSTER_DIR=$STATE scripts/cluster.sh down), or give this checkout its own cluster with another K8S_ML_CLUSTER_DIR and K8S_ML_CLUSTER_PORT_BASE"
  fi
  log "the cluster in $STATE was started by the checkout $owner and is stopped; this checkout takes it over"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# check_ports_free: every port of PORT_BASE is free, or a message naming who holds it.
check_ports_free() {
  local p claimed=""
  [ -f "$PORT_CLAIMS/$PORT_BASE" ] && claimed="$(head -1 "$PORT_CLAIMS/$PORT_BASE")"
  for p in "$ETCD_CLIENT_PORT" "$ETCD_PEER_PORT" "$APISERVER_PORT" "$KCM_PORT" "$SCHEDULER_PORT" \
    "$KWOK_PORT" "$KWOK_METRICS_PORT" "$KUEUE_WEBHOOK_PORT" "$KUEUE_HEALTH_PORT" "$KUEUE_METRICS_PORT" \
    "$METRICS_SERVER_PORT" "$KEDA_OPERATOR_HEALTH_PORT" "$KEDA_OPERATOR_METRICS_PORT" "$KEDA_GRPC_PORT" \
    "$KEDA_ADAPTER_PORT" "$KEDA_ADAPTER_METRICS_PORT"; do
    port_in_use "$p" || continue
    if [ -n "$claimed" ] && [ "$claimed" != "$STATE" ]; then
      die "port $p (port base $PORT_BASE) is in use by the cluster in $claimed (checkout $(cat "$claimed/owner" 2>/dev/null || echo unknown)); choose another K8S_ML_CLUSTER_PORT_BASE (a cluster uses base..base+19)"
    fi
    die "port $p (port base $PORT_BASE) is in use by another process; choose another K8S_ML_CLUSTER_PORT_BASE (a cluster uses base..base+19)"
  done
}

claim_ports() {
  mkdir -p "$PORT_CLAIMS"
  echo "$STATE" >"$PORT_CLAIMS/$PORT_BASE"
}

release_ports() {
  local base
  base="$(cat "$STATE/ports" 2>/dev/null)" || return 0
  if [ "$(head -1 "$PORT_CLAIMS/$base" 2>/dev/null)" = "$STATE" ]; then rm -f "$PORT_CLAIMS/$base"; fi
}
