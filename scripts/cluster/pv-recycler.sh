#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Started by up.sh: every few seconds makes Released PersistentVolumes of the local
# pool (label kverse.dev/local-pv=true) Available again by dropping their claimRef, so
# tests that create and delete StatefulSets never run out of volumes.
# Usage: pv-recycler.sh CLUSTER_DIR   (exits when CLUSTER_DIR disappears)
set -euo pipefail

KVERSE_CLUSTER_DIR="$1"
export KVERSE_CLUSTER_DIR
# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

kubectl_() { "$(kube_dir)/kubectl" --kubeconfig "${KUBECONFIG_PATH}" --request-timeout=10s "$@"; }

released_pvs() {
  kubectl_ get pv -l kverse.dev/local-pv=true \
    -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'
}

main() {
  local pv
  while [[ -f "${KUBECONFIG_PATH}" ]]; do
    for pv in $(released_pvs 2>/dev/null || true); do
      if kubectl_ patch pv "${pv}" --type=json -p '[{"op":"remove","path":"/spec/claimRef"}]' >/dev/null 2>&1; then
        log "recycled ${pv}"
      fi
    done
    sleep "${KVERSE_PV_RECYCLE_INTERVAL:-3}"
  done
}

main "$@"
