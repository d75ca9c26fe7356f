# The KEDA part of scripts/cluster.sh (sourced by it; uses its STATE, REPO, kc, wait_for,
# start_component, write_kubeconfig and PORT_BASE): KEDA's operator (ScaledObjects become HPAs,
# scaling to and from zero) and its metrics API server (external.metrics.k8s.io, served
# through the API server's aggregator to the HPA controller), both built by the toolchain
# (tools/keda), with KEDA's CRDs and roles applied from the pinned module. KEDA's admission
# webhooks are not run: see cluster/README.md.
KEDA_NAMESPACE=keda
KEDA_APISERVICE=v1beta1.external.metrics.k8s.io

set_keda_ports() { # base; after the ports of cluster.sh (base..base+12)
  KEDA_OPERATOR_HEALTH_PORT=$(($1 + 13))
  KEDA_OPERATOR_METRICS_PORT=$(($1 + 14))
  KEDA_GRPC_PORT=$(($1 + 15)) # the operator's metrics service, which the metrics server asks
  KEDA_ADAPTER_PORT=$(($1 + 16))
  KEDA_ADAPTER_METRICS_PORT=$(($1 + 17))
}

# The KEDA module's directory in the Go module cache, at the version tools/keda pins.
keda_module_dir() {
  if [ -z "${KEDA_MODULE_DIR:-}" ]; then
    command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
    KEDA_MODULE_DIR="$(cd "$REPO/tools/keda" && go mod download -json github.com/kedacore/keda/v2 |
      node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); if (!m.Dir) process.exit(1); console.log(m.Dir)')" ||
      die "could not locate the github.com/kedacore/keda/v2 module (go mod download in tools/keda)"
  fi
  echo "$KEDA_MODULE_DIR"
}

# CRDs and roles from the module, our bindings, and the APIService (register_apiservice, in
# cluster-metrics.sh: the aggregator checks the certificate for keda-metrics-apiserver.keda.svc).
apply_keda_objects() {
  local dir
  dir="$(keda_module_dir)"
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f "$dir/config/crd/bases" \
    -f "$dir/config/rbac/role.yaml" -f "$dir/config/metrics-server/role.yaml" \
    -f "$REPO/cluster/keda/rbac.yaml" >/dev/null
  register_apiservice keda-metrics-apiserver "$KEDA_NAMESPACE" "$KEDA_ADAPTER_PORT" external.metrics.k8s.io
  wait_for "the KEDA CRDs to be Established" kc wait --for=condition=Established --timeout=5s \
    -f "$dir/config/crd/bases"
}

# Both processes find the cluster through KUBECONFIG (controller-runtime) and the metrics server
# also through its own flags; the operator's metrics service and the metrics server's client
# authenticate each other with keda-serving (mutual TLS, one CA: the files KEDA reads from its
# certificate directory).
start_keda() {
  local k="$STATE/keda.kubeconfig" certs="$STATE/keda/certs"
  write_kubeconfig "$k" keda
  mkdir -p "$certs"
  cp "$STATE/pki/ca.crt" "$certs/ca.crt"
  cp "$STATE/pki/keda-serving.crt" "$certs/tls.crt"
  cp "$STATE/pki/keda-serving.key" "$certs/tls.key"
  local env=(env KUBECONFIG="$k" WATCH_NAMESPACE="" POD_NAMESPACE="$KEDA_NAMESPACE"
    KEDA_CLUSTER_OBJECT_NAMESPACE="$KEDA_NAMESPACE")
  if ! pid_of keda-operator >/dev/null; then
    start_component keda-operator "${env[@]}" "$BIN_keda_operator" \
      --leader-elect=false --cert-dir="$certs" --enable-cert-rotation=false \
      --health-probe-bind-address="127.0.0.1:$KEDA_OPERATOR_HEALTH_PORT" \
      --metrics-bind-address="127.0.0.1:$KEDA_OPERATOR_METRICS_PORT" \
      --metrics-service-bind-address="127.0.0.1:$KEDA_GRPC_PORT" \
      --kube-api-qps=50 --kube-api-burst=100 --zap-log-level=info
  fi
  # --port is the metrics server's own Prometheus endpoint, which KEDA binds on every address.
  if ! pid_of keda-adapter >/dev/null; then
    start_component keda-adapter "${env[@]}" "$BIN_keda_adapter" \
      --lister-kubeconfig="$k" --authentication-kubeconfig="$k" --authorization-kubeconfig="$k" \
      --bind-address=127.0.0.1 --secure-port="$KEDA_ADAPTER_PORT" --port="$KEDA_ADAPTER_METRICS_PORT" \
      --tls-cert-file="$certs/tls.crt" --tls-private-key-file="$certs/tls.key" --cert-dir="$certs" \
      --metrics-service-address="127.0.0.1:$KEDA_GRPC_PORT" --profiling=false --zap-log-level=info
  fi
  RUNNING+=(keda-operator keda-adapter)
}

keda_apiservice_available() { apiservice_is_available "$KEDA_APISERVICE"; }

wait_keda() {
  wait_for "the KEDA operator (/readyz)" http_ok "$KEDA_OPERATOR_HEALTH_PORT" readyz
  wait_for "the external metrics API (APIService $KEDA_APISERVICE Available)" keda_apiservice_available
}
