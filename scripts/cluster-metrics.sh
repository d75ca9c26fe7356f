# The metrics pipeline of scripts/cluster.sh (sourced by it; uses its STATE, REPO, kc,
# wait_for, start_component, write_kubeconfig and port variables): metrics-server, built by
# the toolchain (tools/metrics-server), serving metrics.k8s.io through the API server's
# aggregator, and scraping the resource metrics KWOK simulates for each node
# (cluster/kwok/metrics.yaml).
METRICS_SERVER_NAMESPACE=kube-system
METRICS_APISERVICE=v1beta1.metrics.k8s.io

# The aggregator reaches an APIService through a Service. Nothing routes ClusterIPs here, so
# the Service is an ExternalName one for localhost: the API server then dials
# localhost:<port> and checks the certificate for metrics-server.kube-system.svc.
apply_metrics_server_objects() {
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts \
    -f "$REPO/cluster/metrics-server/rbac.yaml" >/dev/null
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f - >/dev/null <<EOF2
apiVersion: v1
kind: Service
metadata:
  name: metrics-server
  namespace: $METRICS_SERVER_NAMESPACE
  labels:
    app.kubernetes.io/part-of: k8s-ml-patterns-local-cluster
spec:
  type: ExternalName
  externalName: localhost
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: $METRICS_APISERVICE
  labels:
    app.kubernetes.io/part-of: k8s-ml-patterns-local-cluster
spec:
  service:
    name: metrics-server
    namespace: $METRICS_SERVER_NAMESPACE
    port: $METRICS_SERVER_PORT
  group: metrics.k8s.io
  version: v1beta1
  caBundle: $(base64 -w0 <"$STATE/pki/ca.crt")
  groupPriorityMinimum: 100
  versionPriority: 100
EOF2
}

start_metrics_server() {
  local pki="$STATE/pki" k="$STATE/metrics-server.kubeconfig"
  write_kubeconfig "$k" metrics-server
  # The kubelet address and port come from each Node's status (127.0.0.1 and KWOK's port),
  # the path from its metrics.k8s.io/resource-metrics-path annotation; KWOK's certificate is
  # checked against the cluster CA. 15 s is upstream's default resolution.
  start_component metrics-server "$BIN_metrics_server" \
    --kubeconfig="$k" --authentication-kubeconfig="$k" --authorization-kubeconfig="$k" \
    --bind-address=127.0.0.1 --secure-port="$METRICS_SERVER_PORT" \
    --tls-cert-file="$pki/metrics-server-serving.crt" --tls-private-key-file="$pki/metrics-server-serving.key" \
    --kubelet-preferred-address-types=InternalIP --kubelet-use-node-status-port \
    --kubelet-certificate-authority="$pki/ca.crt" \
    --metric-resolution=15s --profiling=false
  RUNNING+=(metrics-server)
}

apiservice_available() {
  [ "$(kc get apiservice "$METRICS_APISERVICE" \
    -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" = True ]
}
