# shellcheck shell=bash
# Sourced by scripts/cluster.sh: stop-component and start-component, which stop one
# control-plane process and start it again with its recorded command line, for tests of what a
# deploy does when the control plane fails under it (tests/e2e/controlPlaneFaults.test.ts).

# The components that stop-component and start-component may touch: the two whose failure a
# deploy must survive. The others need more than their command line (environment, namespaces).
RESTARTABLE=(etcd kube-apiserver)

restartable() { # name; dies unless it is one of RESTARTABLE on a cluster that exists
  local name="${1:-}" known
  for known in "${RESTARTABLE[@]}"; do
    if [ "$name" = "$known" ]; then
      [ -f "$STATE/$MARKER" ] || die "no cluster in $STATE"
      return 0
    fi
  done
  die "component must be one of: ${RESTARTABLE[*]}; got '${name}'"
}

cmd_stop_component() {
  local name="${1:-}"
  restartable "$name"
  exec 9>"$LOCK"
  flock 9
  pid_of "$name" >/dev/null || die "$name is not running"
  stop_group "$name"
  log "stopped $name"
}

cmd_start_component() {
  local name="${1:-}" cmdline=()
  restartable "$name"
  exec 9>"$LOCK"
  flock 9
  if pid_of "$name" >/dev/null; then log "$name is already running"; return 0; fi
  [ -f "$STATE/pids/$name.cmdline" ] || die "no recorded command line for $name in $STATE/pids"
  mapfile -d '' cmdline <"$STATE/pids/$name.cmdline"
  load_state_ports
  resolve_binaries --running
  start_component "$name" "${cmdline[@]}"
  RUNNING=("$name")
  wait_for "the API server (/readyz) after starting $name" kc get --raw /readyz
  log "started $name (pid $(pid_of "$name"))"
}
