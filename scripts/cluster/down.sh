#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Stops every process up.sh started for this cluster dir and removes its state.
# Usage: down.sh [--keep-state]   (--keep-state stops processes but keeps data, certs, logs)
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# signal SIG PID -> signals the component's process group (it is a session leader), or the pid.
signal() { kill "-$1" -- "-$2" 2>/dev/null || kill "-$1" "$2" 2>/dev/null || true; }

# stop_all -> TERM every component (newest first), wait up to 10 s, then KILL what is left.
stop_all() {
  local i name pid pids=() deadline=$((SECONDS + 10))
  for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
    name="${COMPONENTS[i]}"
    if pid="$(component_pid "${name}")"; then
      log "stopping ${name} (pid ${pid})"
      signal TERM "${pid}"
      pids+=("${pid}")
    fi
    rm -f "${PID_DIR}/${name}.pid"
  done
  for pid in "${pids[@]}"; do
    while alive "${pid}" && ((SECONDS < deadline)); do sleep 0.1; done
    if alive "${pid}"; then
      log "pid ${pid} did not stop in 10s; killing it"
      signal KILL "${pid}"
    fi
  done
}

main() {
  if [[ ! -d "${KVERSE_CLUSTER_DIR}" ]]; then
    kill_orphans
    log "no cluster at ${KVERSE_CLUSTER_DIR}"
    return
  fi
  stop_all
  kill_orphans
  if [[ "${1:-}" == --keep-state ]]; then
    log "stopped; state kept in ${KVERSE_CLUSTER_DIR}"
    return
  fi
  rm -rf "${KVERSE_CLUSTER_DIR}"
  log "cluster stopped and ${KVERSE_CLUSTER_DIR} removed"
}

main "$@"
