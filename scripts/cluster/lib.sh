#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2034 # variables here are used by the scripts that source it
# Shared helpers for scripts/cluster/*.sh. Source it; it defines no side effects
# beyond variables and functions.

CLUSTER_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${CLUSTER_SCRIPTS_DIR}/../.." && pwd)"
# shellcheck source=versions.env
source "${CLUSTER_SCRIPTS_DIR}/versions.env"

KVERSE_CACHE_DIR="${KVERSE_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME}/.cache}/kverse}"
KVERSE_CLUSTER_DIR="${KVERSE_CLUSTER_DIR:-${REPO_ROOT}/.kverse/cluster}"
[[ "${KVERSE_CLUSTER_DIR}" == /* ]] || KVERSE_CLUSTER_DIR="${PWD}/${KVERSE_CLUSTER_DIR}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# tool_dir TOOL VERSION -> directory holding that tool's binaries.
tool_dir() { printf '%s/bin/%s-%s\n' "${KVERSE_CACHE_DIR}" "$1" "$2"; }

kube_dir() { tool_dir kubernetes "${KUBE_VERSION}"; }
etcd_dir() { tool_dir etcd "${ETCD_VERSION}"; }
kwok_dir() { tool_dir kwok "${KWOK_VERSION}"; }
helm_dir() { tool_dir helm "${HELM_VERSION}"; }

# tools_path -> PATH fragment with every pinned tool directory.
tools_path() { printf '%s:%s:%s:%s\n' "$(kube_dir)" "$(etcd_dir)" "$(kwok_dir)" "$(helm_dir)"; }

# require_bin DIR NAME -> path of a built binary, or exits pointing at build-tools.sh.
require_bin() {
  local path="$1/$2"
  [[ -x "${path}" ]] || die "${path} is missing: run scripts/cluster/build-tools.sh first"
  printf '%s\n' "${path}"
}

# --- cluster state layout (shared by up.sh, down.sh, smoke.sh) ---
PKI_DIR="${KVERSE_CLUSTER_DIR}/pki"
LOG_DIR="${KVERSE_CLUSTER_DIR}/logs"
PID_DIR="${KVERSE_CLUSTER_DIR}/pids"
KUBECONFIG_PATH="${KVERSE_CLUSTER_DIR}/kubeconfig"
PORTS_FILE="${KVERSE_CLUSTER_DIR}/ports.env"
# Start order; down.sh stops them in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok pv-recycler)

# component_pid NAME -> pid of a running component started by up.sh, or fails.
# The pid must be alive and its command line must mention the cluster dir, so a
# recycled pid of an unrelated process is never taken for ours.
component_pid() {
  local pidfile="${PID_DIR}/$1.pid" pid
  [[ -f "${pidfile}" ]] || return 1
  pid="$(<"${pidfile}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] || return 1
  kill -0 "${pid}" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null | grep -qF -- "${KVERSE_CLUSTER_DIR}" || return 1
  printf '%s\n' "${pid}"
}

# component_alive NAME -> whether the process in NAME's pid file exists. Unlike component_pid it does not look at
# the command line, which in the moment between fork and exec is still the starting shell's.
component_alive() {
  local pidfile="${PID_DIR}/$1.pid" pid
  [[ -f "${pidfile}" ]] || return 1
  pid="$(<"${pidfile}")"
  [[ "${pid}" =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null
}

# cluster_orphans -> pids of cluster components (etcd, kube-*, kwok, pv-recycler.sh) whose
# command line names this cluster dir but whose pid file is gone, e.g. after the dir was
# deleted by hand. Only those programs are considered, never a shell or an editor.
cluster_orphans() {
  local proc pid args base
  for proc in /proc/[0-9]*; do
    pid="${proc#/proc/}"
    [[ "${pid}" != "$$" ]] || continue
    args="$(tr '\0' '\n' <"${proc}/cmdline" 2>/dev/null)" || continue
    [[ -n "${args}" ]] || continue
    base="$(basename "$(head -n1 <<<"${args}")")"
    case "${base}" in
      etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kwok) ;;
      bash) [[ "$(sed -n 2p <<<"${args}")" == */pv-recycler.sh ]] || continue ;;
      *) continue ;;
    esac
    # The dir must appear as a whole path: followed by "/" or the end of an argument.
    grep -qE -- "(^|=)${KVERSE_CLUSTER_DIR//./\\.}(/|$)" <<<"${args}" || continue
    printf '%s\n' "${pid}"
  done
}

# alive PID -> true while the process exists and is not a zombie waiting to be reaped.
alive() {
  local state
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "${state}" && "${state}" != Z ]]
}

# any_alive PID... -> true if one of them is alive.
any_alive() {
  local pid
  for pid in "$@"; do alive "${pid}" && return 0; done
  return 1
}

# kill_orphans -> TERMs what cluster_orphans finds, KILLs what is left after 10 s.
kill_orphans() {
  local pids deadline=$((SECONDS + 10))
  mapfile -t pids < <(cluster_orphans)
  ((${#pids[@]} > 0)) || return 0
  log "stopping leftover processes of ${KVERSE_CLUSTER_DIR} whose pid files are gone: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  while any_alive "${pids[@]}" && ((SECONDS < deadline)); do sleep 0.1; done
  if any_alive "${pids[@]}"; then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
}
