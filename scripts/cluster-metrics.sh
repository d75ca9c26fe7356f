# The metrics pipeline of scripts/cluster.sh (sourced by it; uses its STATE, REPO, kc,
# wait_for, start_component, write_kubeconfig and port variables): metrics-server, built by
# the toolchain (tools/metrics-server), serving metrics.k8s.io through the API server's
# aggregator, and scraping the resource metrics KWOK simulates for each node
# (cluster/kwok/metrics.yaml).
METRICS_SERVER_NAMESPACE=kube-system
METRICS_APISERVICE=v1beta1.metrics.k8s.io

# register_apiservice SERVICE NAMESPACE PORT GROUP: serves GROUP/v1beta1 through the API
# server's aggregator from a server on localhost:PORT (metrics-server here, KEDA's metrics
# server in cluster-keda.sh). The aggregator reaches an APIService through a Service. Nothing
# routes ClusterIPs here, so the Service is an ExternalName one for localhost: the API server
# then dials localhost:PORT and checks the certificate for SERVICE.NAMESPACE.svc.
register_apiservice() {
  local service="$1" namespace="$2" port="$3" group="$4"
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts -f - >/dev/null <<EOF2
apiVersion: v1
kind: Service
metadata:
  name: $service
  namespace: $namespace
  labels:
    app.kubernetes.io/part-of: k8s-ml-patterns-local-cluster
spec:
  type: ExternalName
  externalName: localhost
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.$group
  labels:
    app.kubernetes.io/part-of: k8s-ml-patterns-local-cluster
spec:
  service:
    name: $service
    namespace: $namespace
    port: $port
  group: $group
  version: v1beta1
  caBundle: $(base64 -w0 <"$STATE/pki/ca.crt")
  groupPriorityMinimum: 100
  versionPriority: 100
EOF2
}

# apiservice_is_available NAME: the APIService's Available condition is True.
apiservice_is_available() {
  [ "$(kc get apiservice "$1" -o jsonpath='{.status.conditions[?(@.type=="Available")].status}')" = True ]
}

apply_metrics_server_objects() {
  kc apply --server-side --field-manager=k8s-ml-cluster --force-conflicts \
    -f "$REPO/cluster/metrics-server/rbac.yaml" >/dev/null
  register_apiservice metrics-server "$METRICS_SERVER_NAMESPACE" "$METRICS_SERVER_PORT" metrics.k8s.io
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

apiservice_available() { apiservice_is_available "$METRICS_APISERVICE"; }
