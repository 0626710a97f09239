#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Smoke check of a running local cluster (start it with up.sh): the stamped server
# version, a Deployment that becomes Available under kwok, a StatefulSet whose pods get
# Ready and whose claim binds, a Service with a ClusterIP, and namespace deletion.
# Exits non-zero on the first failure.
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

NS="kverse-smoke-$$"
WAIT="${KVERSE_SMOKE_TIMEOUT:-120s}"
FAILED=0

kubectl_() { "$(require_bin "$(kube_dir)" kubectl)" --kubeconfig "${KUBECONFIG_PATH}" "$@"; }

pass() { log "PASS: $*"; }
fail() {
  log "FAIL: $*"
  FAILED=1
}

cleanup() {
  kubectl_ delete namespace "${NS}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
}

check_version() {
  local server
  server="$(kubectl_ version -o json | sed -n '/"serverVersion"/,/}/s/.*"gitVersion": "\(.*\)".*/\1/p')"
  if [[ "${server}" == "${KUBE_VERSION}" ]]; then
    pass "server version ${server}"
  else
    fail "server version is '${server}', expected ${KUBE_VERSION}"
  fi
}

workloads() {
  cat <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: registry.example/web:1, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: registry.example/db:1
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
EOF
}

# check NAME CMD... -> PASS/FAIL line for a kubectl wait or similar.
check() {
  local name="$1"
  shift
  if "$@" >/dev/null; then pass "${name}"; else fail "${name}"; fi
}

cluster_ip_set() {
  local ip
  ip="$(kubectl_ -n "${NS}" get service web -o jsonpath='{.spec.clusterIP}')"
  [[ "${ip}" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] && log "service web has ClusterIP ${ip}"
}

namespace_gone() {
  local deadline=$((SECONDS + 120))
  kubectl_ delete namespace "${NS}" --wait=false >/dev/null
  while kubectl_ get namespace "${NS}" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

main() {
  local start="${SECONDS}"
  [[ -f "${KUBECONFIG_PATH}" ]] || die "no cluster at ${KVERSE_CLUSTER_DIR}: run scripts/cluster/up.sh first"
  trap cleanup EXIT
  check_version
  kubectl_ create namespace "${NS}" >/dev/null
  workloads | kubectl_ -n "${NS}" apply -f - >/dev/null
  check "service web has a ClusterIP" cluster_ip_set
  check "deployment web (2 replicas) Available" \
    kubectl_ -n "${NS}" wait deployment/web --for=condition=Available --timeout="${WAIT}"
  check "deployment web has 2 ready replicas" \
    kubectl_ -n "${NS}" wait deployment/web --for=jsonpath='{.status.readyReplicas}'=2 --timeout="${WAIT}"
  check "statefulset db has 2 ready replicas" \
    kubectl_ -n "${NS}" wait statefulset/db --for=jsonpath='{.status.readyReplicas}'=2 --timeout="${WAIT}"
  check "statefulset pods Ready" \
    kubectl_ -n "${NS}" wait pod -l app=db --for=condition=Ready --timeout="${WAIT}"
  check "statefulset claims Bound" \
    kubectl_ -n "${NS}" wait pvc --all --for=jsonpath='{.status.phase}'=Bound --timeout="${WAIT}"
  check "namespace ${NS} deleted" namespace_gone
  if ((FAILED)); then
    kubectl_ -n "${NS}" get all,pvc -o wide >&2 2>/dev/null || true
    die "smoke check failed after $((SECONDS - start))s"
  fi
  trap - EXIT
  log "smoke check passed in $((SECONDS - start))s"
}

main "$@"
