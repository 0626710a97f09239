#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stops every process up.sh started for this cluster dir and removes its state.
# Usage: down.sh [--keep-state]   (--keep-state stops processes but keeps data, certs, logs)
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# stop NAME -> TERM the component's process group, KILL it after 10 s.
stop() {
  local name="$1" pid i
  if ! pid="$(component_pid "${name}")"; then
    rm -f "${PID_DIR}/${name}.pid"
    return
  fi
  log "stopping ${name} (pid ${pid})"
  kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "${pid}" 2>/dev/null; then
    log "${name} did not stop in 10s; killing it"
    kill -KILL -- "-${pid}" 2>/dev/null || kill -KILL "${pid}" 2>/dev/null || true
  fi
  rm -f "${PID_DIR}/${name}.pid"
}

main() {
  local i
  if [[ ! -d "${KVERSE_CLUSTER_DIR}" ]]; then
    log "no cluster at ${KVERSE_CLUSTER_DIR}"
    return
  fi
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do stop "${COMPONENTS[i]}"; done
  if [[ "${1:-}" == --keep-state ]]; then
    log "stopped; state kept in ${KVERSE_CLUSTER_DIR}"
    return
  fi
  rm -rf "${KVERSE_CLUSTER_DIR}"
  log "cluster stopped and ${KVERSE_CLUSTER_DIR} removed"
}

main "$@"
