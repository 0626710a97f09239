#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts a local Kubernetes control plane with fake (kwok) nodes:
#   etcd + kube-apiserver (TLS, RBAC, service accounts) + kube-controller-manager +
#   kube-scheduler + kwok (3 fake nodes) + a default StorageClass with pre-created
#   PersistentVolumes + a recycler that makes Released PVs Available again.
# State, logs and pids live in ${KVERSE_CLUSTER_DIR:-<repo>/.kverse/cluster}; the admin
# kubeconfig is ${KVERSE_CLUSTER_DIR}/kubeconfig. Idempotent: a healthy cluster is left
# alone, a component that died is restarted. Stop it with down.sh.
#
# Environment (all optional):
#   KVERSE_APISERVER_PORT   secure port of kube-apiserver on 127.0.0.1 (default: a free port;
#                           kept in ports.env for later runs)
#   KVERSE_CLUSTER_TIMEOUT  seconds to wait for each readiness check (default 120)
#   KVERSE_NODE_COUNT       fake nodes (default 3)
#   KVERSE_BUILD_TOOLS=0    fail instead of building missing binaries
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

TIMEOUT="${KVERSE_CLUSTER_TIMEOUT:-120}"
NODE_COUNT="${KVERSE_NODE_COUNT:-3}"
SERVICE_CIDR="10.96.0.0/16"
SERVICE_IP="10.96.0.1"
STARTED=0

# --- binaries ---

ensure_tools() {
  local missing=0 bin
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [[ -x "$(kube_dir)/${bin}" ]] || missing=1
  done
  [[ -x "$(etcd_dir)/etcd" && -x "$(kwok_dir)/kwok" && -s "$(kwok_dir)/stages.yaml" ]] || missing=1
  ((missing == 0)) && return
  [[ "${KVERSE_BUILD_TOOLS:-1}" != 0 ]] || die "cluster binaries are missing: run scripts/cluster/build-tools.sh"
  log "cluster binaries missing; running build-tools.sh"
  "${CLUSTER_SCRIPTS_DIR}/build-tools.sh" etcd kwok kubernetes
}

kubectl_() { "$(kube_dir)/kubectl" --kubeconfig "${KUBECONFIG_PATH}" "$@"; }

# --- ports ---

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port TAKEN... -> a port nobody listens on, outside the kernel's ephemeral range
# (32768+) so an outgoing connection cannot be holding it when a component restarts.
free_port() {
  local port tries
  for tries in $(seq 1 200); do
    port=$((20000 + RANDOM % 12000))
    [[ " $* " == *" ${port} "* ]] && continue
    port_in_use "${port}" || { printf '%s\n' "${port}"; return; }
  done
  die "no free TCP port found after ${tries} tries"
}

# Ports are chosen once per cluster dir and reused, so restarts keep the kubeconfig valid.
load_ports() {
  local name port taken=()
  if [[ ! -f "${PORTS_FILE}" ]]; then
    # Fresh state: processes left from a deleted copy of this dir would only get in the way.
    kill_orphans
    for name in APISERVER_PORT ETCD_PORT ETCD_PEER_PORT KCM_PORT SCHEDULER_PORT KWOK_PORT; do
      if [[ "${name}" == APISERVER_PORT && -n "${KVERSE_APISERVER_PORT:-}" ]]; then
        port="${KVERSE_APISERVER_PORT}"
      else
        port="$(free_port "${taken[@]}")"
      fi
      taken+=("${port}")
      echo "${name}=${port}"
    done >"${PORTS_FILE}.tmp"
    mv "${PORTS_FILE}.tmp" "${PORTS_FILE}"
  fi
  # shellcheck disable=SC1090
  source "${PORTS_FILE}"
  if [[ -n "${KVERSE_APISERVER_PORT:-}" && "${KVERSE_APISERVER_PORT}" != "${APISERVER_PORT}" ]]; then
    die "this cluster already uses apiserver port ${APISERVER_PORT}; run down.sh to change it"
  fi
}

# --- certificates ---

# sign_cert NAME SUBJECT EXTENSIONS -> ${PKI_DIR}/NAME.{key,crt} signed by the cluster CA.
sign_cert() {
  local name="$1" subject="$2" ext="$3"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${PKI_DIR}/${name}.key" 2>/dev/null
  openssl req -new -key "${PKI_DIR}/${name}.key" -subj "${subject}" -out "${PKI_DIR}/${name}.csr"
  openssl x509 -req -in "${PKI_DIR}/${name}.csr" -CA "${PKI_DIR}/ca.crt" -CAkey "${PKI_DIR}/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile <(printf '%s\n' "${ext}") \
    -out "${PKI_DIR}/${name}.crt" 2>/dev/null
  rm -f "${PKI_DIR}/${name}.csr"
}

make_pki() {
  [[ -f "${PKI_DIR}/sa.pub" ]] && return
  command -v openssl >/dev/null || die "openssl is required (apt-get install openssl)"
  log "generating CA, apiserver, admin and service-account keys in ${PKI_DIR}"
  mkdir -p "${PKI_DIR}"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${PKI_DIR}/ca.key" 2>/dev/null
  openssl req -x509 -new -key "${PKI_DIR}/ca.key" -subj "/CN=kverse-local-ca" -days 3650 -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "${PKI_DIR}/ca.crt"
  sign_cert apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:${SERVICE_IP},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign_cert admin "/O=system:masters/CN=kverse-admin" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  # Client certificate of the aggregation layer (apiserver -> extension apiservers).
  sign_cert front-proxy-client "/CN=front-proxy-client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "${PKI_DIR}/sa.key" 2>/dev/null
  openssl pkey -in "${PKI_DIR}/sa.key" -pubout -out "${PKI_DIR}/sa.pub"
  chmod 600 "${PKI_DIR}"/*.key
}

b64() { base64 -w0 <"$1"; }

write_kubeconfig() {
  local tmp="${KUBECONFIG_PATH}.tmp"
  cat >"${tmp}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kverse
  cluster:
    server: https://127.0.0.1:${APISERVER_PORT}
    certificate-authority-data: $(b64 "${PKI_DIR}/ca.crt")
users:
- name: kverse-admin
  user:
    client-certificate-data: $(b64 "${PKI_DIR}/admin.crt")
    client-key-data: $(b64 "${PKI_DIR}/admin.key")
contexts:
- name: kverse
  context:
    cluster: kverse
    user: kverse-admin
current-context: kverse
EOF
  chmod 600 "${tmp}"
  mv "${tmp}" "${KUBECONFIG_PATH}"
  # For scripts and tests: `source .kverse/cluster/env`.
  cat >"${KVERSE_CLUSTER_DIR}/env" <<EOF
export KUBECONFIG='${KUBECONFIG_PATH}'
export PATH='$(tools_path)':"\${PATH}"
EOF
}

# --- processes ---

# start NAME CMD... -> runs CMD in its own session, detached from this script, logging to
# logs/NAME.log; skipped when NAME is already running.
start() {
  local name="$1" pid
  shift
  if pid="$(component_pid "${name}")"; then
    log "${name}: running (pid ${pid})"
    return
  fi
  log "${name}: starting (log: ${LOG_DIR}/${name}.log)"
  # Background jobs of a non-interactive shell are not group leaders, so setsid execs in
  # place and $! is the component's own pid (and its process-group id).
  setsid nohup "$@" >>"${LOG_DIR}/${name}.log" 2>&1 </dev/null 8>&- &
  printf '%s\n' "$!" >"${PID_DIR}/${name}.pid"
  STARTED=1
}

# wait_for NAME CHECK... -> polls CHECK until it succeeds; on timeout prints the log tail.
wait_for() {
  local name="$1" deadline=$((SECONDS + TIMEOUT))
  shift
  until "$@" >/dev/null 2>&1; do
    if ! component_alive "${name}"; then
      tail -n 30 "${LOG_DIR}/${name}.log" >&2 || true
      die "${name} exited during startup; see ${LOG_DIR}/${name}.log"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "${LOG_DIR}/${name}.log" >&2 || true
      die "${name} not ready after ${TIMEOUT}s; see ${LOG_DIR}/${name}.log"
    fi
    sleep 0.5
  done
}

https_ok() {
  curl -fsS --max-time 3 --cacert "${PKI_DIR}/ca.crt" --cert "${PKI_DIR}/admin.crt" \
    --key "${PKI_DIR}/admin.key" "https://127.0.0.1:${APISERVER_PORT}$1"
}
insecure_ok() { curl -fsSk --max-time 3 "https://127.0.0.1:$1$2"; }
http_ok() { curl -fsS --max-time 3 "http://127.0.0.1:$1$2"; }

start_etcd() {
  start etcd "$(etcd_dir)/etcd" \
    --name=kverse --data-dir="${KVERSE_CLUSTER_DIR}/etcd" \
    --listen-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --advertise-client-urls="http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-advertise-peer-urls="http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster="kverse=http://127.0.0.1:${ETCD_PEER_PORT}" \
    --unsafe-no-fsync=true --quota-backend-bytes=4294967296 --log-level=warn
  wait_for etcd http_ok "${ETCD_PORT}" /health
}

start_apiserver() {
  start kube-apiserver "$(kube_dir)/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:${ETCD_PORT}" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="${APISERVER_PORT}" \
    --cert-dir="${PKI_DIR}/apiserver-generated" \
    --tls-cert-file="${PKI_DIR}/apiserver.crt" --tls-private-key-file="${PKI_DIR}/apiserver.key" \
    --client-ca-file="${PKI_DIR}/ca.crt" \
    --requestheader-client-ca-file="${PKI_DIR}/ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="${PKI_DIR}/front-proxy-client.crt" \
    --proxy-client-key-file="${PKI_DIR}/front-proxy-client.key" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="${PKI_DIR}/sa.pub" \
    --service-account-signing-key-file="${PKI_DIR}/sa.key" \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --endpoint-reconciler-type=none \
    --allow-privileged=true \
    --v=1
  wait_for kube-apiserver https_ok /readyz
}

start_controller_manager() {
  start kube-controller-manager "$(kube_dir)/kube-controller-manager" \
    --kubeconfig="${KUBECONFIG_PATH}" \
    --authentication-kubeconfig="${KUBECONFIG_PATH}" --authorization-kubeconfig="${KUBECONFIG_PATH}" \
    --bind-address=127.0.0.1 --secure-port="${KCM_PORT}" \
    --cert-dir="${PKI_DIR}/kcm-generated" \
    --root-ca-file="${PKI_DIR}/ca.crt" \
    --service-account-private-key-file="${PKI_DIR}/sa.key" \
    --cluster-signing-cert-file="${PKI_DIR}/ca.crt" --cluster-signing-key-file="${PKI_DIR}/ca.key" \
    --use-service-account-credentials=true \
    --service-cluster-ip-range="${SERVICE_CIDR}" \
    --cluster-name=kverse --leader-elect=false --v=1
  wait_for kube-controller-manager insecure_ok "${KCM_PORT}" /healthz
}

start_scheduler() {
  start kube-scheduler "$(kube_dir)/kube-scheduler" \
    --kubeconfig="${KUBECONFIG_PATH}" \
    --authentication-kubeconfig="${KUBECONFIG_PATH}" --authorization-kubeconfig="${KUBECONFIG_PATH}" \
    --bind-address=127.0.0.1 --secure-port="${SCHEDULER_PORT}" \
    --cert-dir="${PKI_DIR}/scheduler-generated" \
    --leader-elect=false --v=1
  wait_for kube-scheduler insecure_ok "${SCHEDULER_PORT}" /healthz
}

start_kwok() {
  start kwok "$(kwok_dir)/kwok" \
    --kubeconfig="${KUBECONFIG_PATH}" \
    --config="$(kwok_dir)/stages.yaml" --node-lease-duration-seconds=40 \
    --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.1/16 --node-ip=10.244.0.1 \
    --server-address="127.0.0.1:${KWOK_PORT}"
  wait_for kwok http_ok "${KWOK_PORT}" /healthz
}

start_pv_recycler() {
  start pv-recycler bash "${CLUSTER_SCRIPTS_DIR}/pv-recycler.sh" "${KVERSE_CLUSTER_DIR}"
}

# --- cluster objects ---

node_manifest() {
  local i="$1"
  cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kverse-node-${i}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: kverse-node-${i}
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    topology.kubernetes.io/zone: zone-${i}
    type: kwok
status:
  addresses:
  - {type: InternalIP, address: 10.240.0.$((10 + i))}
  - {type: Hostname, address: kverse-node-${i}}
  allocatable: {cpu: "16", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
  capacity: {cpu: "16", memory: 64Gi, pods: "110", ephemeral-storage: 200Gi}
  nodeInfo: {architecture: amd64, kubeletVersion: fake, kubeProxyVersion: fake, operatingSystem: linux}
  phase: Running
EOF
}

storage_manifest() {
  cat <<EOF
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  local size count i n=0
  # 8 x 1Gi, 8 x 10Gi, 4 x 50Gi; a claim binds the smallest volume that fits.
  for spec in 1Gi:8 10Gi:8 50Gi:4; do
    size="${spec%%:*}"
    count="${spec##*:}"
    for ((i = 0; i < count; i++)); do
      cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kverse-pv-$(printf '%02d' "${n}")
  labels: {kverse.dev/local-pv: "true"}
spec:
  storageClassName: standard
  capacity: {storage: ${size}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /tmp/kverse-pv-$(printf '%02d' "${n}"), type: DirectoryOrCreate}
EOF
      n=$((n + 1))
    done
  done
}

apply_objects() {
  local i
  log "creating ${NODE_COUNT} kwok nodes, the default StorageClass and PersistentVolumes"
  {
    for ((i = 0; i < NODE_COUNT; i++)); do node_manifest "${i}"; done
    storage_manifest
  } | kubectl_ apply -f - >/dev/null
}

nodes_ready() {
  local ready
  ready="$(kubectl_ get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)"
  ((ready >= NODE_COUNT))
}

default_sa_exists() { kubectl_ get serviceaccount default -n default; }

wait_cluster_ready() {
  wait_for kwok nodes_ready
  wait_for kube-controller-manager default_sa_exists
}

main() {
  local start_time="${SECONDS}"
  command -v curl >/dev/null || die "curl is required (apt-get install curl)"
  ensure_tools
  mkdir -p "${KVERSE_CLUSTER_DIR}" "${LOG_DIR}" "${PID_DIR}"
  exec 8>"${KVERSE_CLUSTER_DIR}/.up.lock"
  flock 8  # fd 8 is closed in every component (see start), so the lock dies with up.sh
  load_ports
  make_pki
  write_kubeconfig
  start_etcd
  start_apiserver
  start_controller_manager
  start_scheduler
  start_kwok
  if ((STARTED == 1)) || ! nodes_ready >/dev/null 2>&1; then
    apply_objects
  fi
  start_pv_recycler
  wait_cluster_ready
  log "cluster ready in $((SECONDS - start_time))s: server https://127.0.0.1:${APISERVER_PORT}"
  log "  export KUBECONFIG=${KUBECONFIG_PATH}   (or: source ${KVERSE_CLUSTER_DIR}/env)"
}

main "$@"
