# The Kueue part of scripts/cluster.sh (sourced by it; uses its STATE, REPO, kc, wait_for,
# start_component, write_kubeconfig and port variables): Kueue's CRDs and webhook
# configurations from the pinned module, its Configuration, and its start.
# The Kueue module's directory in the Go module cache, at the version tools/kueue pins: its
# CRDs and webhook manifests are applied from there (`go mod download` fetches the module
# if the cache lost it; the toolchain build downloaded it in the first place).
kueue_module_dir() {
  if [ -z "${KUEUE_MODULE_DIR:-}" ]; then
    command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
    KUEUE_MODULE_DIR="$(cd "$REPO/tools/kueue" && go mod download -json sigs.k8s.io/kueue |
      node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!m.Dir) process.exit(1); console.log(m.Dir)')" ||
      die "could not locate the sigs.k8s.io/kueue module (go mod download in tools/kueue)"
  fi
  echo "$KUEUE_MODULE_DIR"
}

kueue_crds() { echo "$(kueue_module_dir)/config/components/crd/bases"; }

write_kueue_config() {
  local dir="$STATE/kueue" integration
  mkdir -p "$dir/webhook-certs" "$dir/etc/kueue/metrics/certs" "$dir/etc-work"
  cp "$STATE/pki/kueue-serving.crt" "$dir/webhook-certs/tls.crt"
  cp "$STATE/pki/kueue-serving.key" "$dir/webhook-certs/tls.key"
  # Kueue reads its metrics certificate from the fixed path /etc/kueue/metrics/certs when it
  # does not manage certificates itself; start_kueue overlays $dir/etc onto /etc in a mount
  # namespace of its own, so the host's /etc is never written.
  cp "$STATE/pki/kueue-serving.crt" "$dir/etc/kueue/metrics/certs/tls.crt"
  cp "$STATE/pki/kueue-serving.key" "$dir/etc/kueue/metrics/certs/tls.key"
  {
    cat <<EOF
apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: $KUEUE_NAMESPACE
# Only workloads that name a LocalQueue (kueue.x-k8s.io/queue-name) are queued.
manageJobsWithoutQueueName: false
# The script issues the webhook certificate and registers the webhooks with its CA.
internalCertManagement:
  enable: false
leaderElection:
  leaderElect: false
health:
  healthProbeBindAddress: 127.0.0.1:$KUEUE_HEALTH_PORT
metrics:
  bindAddress: 127.0.0.1:$KUEUE_METRICS_PORT
webhook:
  host: 127.0.0.1
  port: $KUEUE_WEBHOOK_PORT
  certDir: $dir/webhook-certs
clientConnection:
  qps: 50
  burst: 100
featureGates:
  # The on-demand visibility API is an aggregated API server of its own; not used here.
  VisibilityOnDemand: false
integrations:
  frameworks:
EOF
    for integration in "${KUEUE_INTEGRATIONS[@]}"; do echo "    - $integration"; done
  } >"$dir/config.yaml"
}

# Kueue's CRDs, Established before the controller manager starts (it watches them).
apply_kueue_crds() {
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f "$(kueue_crds)" >/dev/null
  wait_for "the Kueue CRDs to be Established" kc wait --for=condition=Established --timeout=5s \
    -f "$(kueue_crds)"
}

start_kueue() {
  write_kueue_config
  write_kubeconfig "$STATE/kueue.kubeconfig" kueue
  local dir="$STATE/kueue" userns=()
  # A private mount namespace (inside a user namespace when not root) in which $dir/etc
  # is overlaid onto /etc; `exec` keeps the pid, so the pid file names the kueue process.
  [ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
  start_component kueue unshare "${userns[@]}" --mount --propagation private sh -c \
    'mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc,workdir=$1/etc-work" /etc && shift && exec "$@"' \
    sh "$dir" "$BIN_kueue" --config="$dir/config.yaml" --kubeconfig="$STATE/kueue.kubeconfig" --zap-log-level=info
  RUNNING+=(kueue)
}

http_ok() { curl -fs --max-time 2 "http://127.0.0.1:$1/$2"; }

# A server-side dry run through Kueue's mutating and validating ResourceFlavor webhooks:
# succeeds only when the API server reaches the webhook server and trusts its certificate.
kueue_webhooks_answer() {
  kc create --dry-run=server -o name -f - <<'EOF'
apiVersion: kueue.x-k8s.io/v1beta2
kind: ResourceFlavor
metadata:
  name: k8s-ml-cluster-webhook-probe
EOF
}

apply_kueue_webhooks() {
  local rendered="$STATE/kueue/webhooks.json" args=() integration
  for integration in "${KUEUE_INTEGRATIONS[@]}"; do args+=(--integration "$integration"); done
  node "$REPO/cluster/render-kueue-webhooks.mjs" "$(kueue_module_dir)/config/components/webhook/manifests.yaml" \
    --port "$KUEUE_WEBHOOK_PORT" --ca-file "$STATE/pki/ca.crt" "${args[@]}" >"$rendered"
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f "$rendered" >/dev/null
}

