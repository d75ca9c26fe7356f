# The PKI and kubeconfigs of scripts/cluster.sh (sourced by it; uses its STATE, SERVICE_IP,
# CONTEXT and APISERVER_PORT): one CA, a certificate per component, kubeconfigs per client.
make_pki() {
  local pki="$STATE/pki"
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
    # cert <name> <subject> <extendedKeyUsage> [subjectAltName]
    cert() {
      key "$1"
      local ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=$3"
      [ -n "${4:-}" ] && ext+=$'\n'"subjectAltName=$4"
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
        -sha256 -extfile <(printf '%s\n' "$ext") -out "$1.crt" 2>/dev/null
      rm -f "$1.csr"
    }
    key ca
    openssl req -x509 -new -key ca.key -subj "/CN=k8s-ml-local-ca" -days 365 -sha256 -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    # etcd also dials itself (its gRPC gateway) with this certificate.
    cert etcd-server "/CN=etcd" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost"
    cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" clientAuth
    cert apiserver "/CN=kube-apiserver" serverAuth \
      "IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
    cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
    cert admin "/O=system:masters/CN=k8s-ml-local-admin" clientAuth
    cert controller-manager "/CN=system:kube-controller-manager" clientAuth
    cert scheduler "/CN=system:kube-scheduler" clientAuth
    # KWOK writes node and pod status, leases and events for every simulated node.
    cert kwok "/O=system:masters/CN=kwok-controller" clientAuth
    cert kwok-serving "/CN=kwok-kubelet" serverAuth "IP:127.0.0.1,DNS:localhost"
    # Kueue manages workloads, quota objects and pods cluster-wide; it serves its webhooks
    # (and its metrics) with kueue-serving, which the webhook configurations trust via ca.crt.
    cert kueue "/O=system:masters/CN=kueue-controller-manager" clientAuth
    cert kueue-serving "/CN=kueue-webhook" serverAuth "IP:127.0.0.1,DNS:localhost"
    # metrics-server: its client certificate (user k8s-ml-metrics-server, bound by
    # cluster/metrics-server/rbac.yaml; also presented to KWOK's kubelet API) and its serving
    # certificate, for the name the API server's aggregator dials (the APIService's Service).
    cert metrics-server "/CN=k8s-ml-metrics-server" clientAuth
    cert metrics-server-serving "/CN=metrics-server" serverAuth \
      "IP:127.0.0.1,DNS:localhost,DNS:metrics-server.kube-system.svc"
    # KEDA's operator and metrics server: one user (k8s-ml-keda, bound by cluster/keda/rbac.yaml)
    # and one serving certificate, also their client certificate for each other (mutual TLS
    # between the metrics server and the operator's metrics service on 127.0.0.1).
    cert keda "/CN=k8s-ml-keda" clientAuth
    cert keda-serving "/CN=keda-metrics-apiserver" serverAuth,clientAuth \
      "IP:127.0.0.1,DNS:localhost,DNS:keda-metrics-apiserver.keda.svc,DNS:keda-operator.keda.svc"
    # The aggregator's front proxy: a CA of its own (aggregated API servers trust only it for
    # the X-Remote-User headers) and the client certificate the API server proxies with.
    key front-proxy-ca
    openssl req -x509 -new -key front-proxy-ca.key -subj "/CN=k8s-ml-local-front-proxy-ca" -days 365 -sha256 \
      -out front-proxy-ca.crt -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    key front-proxy-client
    openssl req -new -key front-proxy-client.key -subj "/CN=front-proxy-client" -out front-proxy-client.csr 2>/dev/null
    openssl x509 -req -in front-proxy-client.csr -CA front-proxy-ca.crt -CAkey front-proxy-ca.key \
      -CAcreateserial -days 365 -sha256 -out front-proxy-client.crt 2>/dev/null -extfile <(printf '%s\n' \
      "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "extendedKeyUsage=clientAuth")
    rm -f front-proxy-client.csr front-proxy-ca.srl
    # Service account token signing key pair.
    key sa
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ca.srl
  )
}

write_kubeconfig() { # file user-cert-name
  local b64='base64 -w0'
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: $CONTEXT
    cluster:
      server: https://127.0.0.1:$APISERVER_PORT
      certificate-authority-data: $($b64 <"$STATE/pki/ca.crt")
users:
  - name: $CONTEXT-$2
    user:
      client-certificate-data: $($b64 <"$STATE/pki/$2.crt")
      client-key-data: $($b64 <"$STATE/pki/$2.key")
contexts:
  - name: $CONTEXT
    context:
      cluster: $CONTEXT
      user: $CONTEXT-$2
current-context: $CONTEXT
EOF
  chmod 600 "$1"
}

