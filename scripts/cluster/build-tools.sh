#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Builds and caches, by version, the binaries the local control plane needs:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (tools/k8s),
# etcd (tools/etcd), kwok and helm. Versions live in versions.env; binaries land in
#   ${KVERSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kverse}/bin/<tool>-<version>/
# Anything already cached is skipped. `bin-path.sh` prints the PATH directories.
# Usage: build-tools.sh [etcd|kwok|helm|kubernetes]...   (default: all)
# KVERSE_BUILD_HEARTBEAT=N: seconds between "still building" lines (default 60).
set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

KUBE_BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

go_env() {
  export CGO_ENABLED=0 GOFLAGS=-trimpath GOTOOLCHAIN=local GOWORK=off
}

elapsed_since() { printf '%ds' $(($(date +%s) - $1)); }

# with_heartbeat LABEL CMD... -> runs CMD, logging "still building LABEL" every minute so
# long builds show progress in CI logs; returns CMD's status.
with_heartbeat() {
  local label="$1" start="${SECONDS}" beat rc=0
  shift
  (
    trap 'kill "${nap}" 2>/dev/null; exit 0' TERM
    while true; do
      sleep "${KVERSE_BUILD_HEARTBEAT:-60}" &
      nap=$!
      wait "${nap}"
      log "… still building ${label} ($((SECONDS - start))s)"
    done
  ) &
  beat=$!
  "$@" || rc=$?
  kill "${beat}" 2>/dev/null || true
  wait "${beat}" 2>/dev/null || true
  return "${rc}"
}

# all_present DIR BIN... -> true when every binary is cached.
all_present() {
  local dir="$1" bin
  shift
  for bin in "$@"; do [[ -x "${dir}/${bin}" ]] || return 1; done
}

# install_dir FINAL_DIR STAGING_DIR -> publishes a finished build atomically.
install_dir() {
  mkdir -p "$(dirname "$1")"
  rm -rf "$1"
  mv "$2" "$1"
}

# check_mod_version GO_MOD MODULE VERSION -> the wrapper module pins the expected version.
check_mod_version() {
  grep -Eq "^(require )?[[:space:]]*$2 $3( //.*)?\$" "$1" ||
    die "$1 does not require $2 $3 (versions.env and the wrapper module disagree)"
}

kube_ldflags() {
  local minor pkg flags="-s -w"
  minor="$(cut -d. -f2 <<<"${KUBE_VERSION}")"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    flags+=" -X ${pkg}.gitCommit=${KUBE_GIT_COMMIT} -X ${pkg}.gitTreeState=clean"
    flags+=" -X ${pkg}.buildDate=${KUBE_BUILD_DATE}"
  done
  printf '%s\n' "${flags}"
}

build_kubernetes() {
  local dir staging start pkgs=() bin
  dir="$(kube_dir)"
  if all_present "${dir}" "${KUBE_BINARIES[@]}"; then
    log "kubernetes ${KUBE_VERSION}: cached in ${dir}"
    return
  fi
  check_mod_version "${REPO_ROOT}/tools/k8s/go.mod" k8s.io/kubernetes "${KUBE_VERSION}"
  for bin in "${KUBE_BINARIES[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/${bin}"); done
  staging="$(mktemp -d "${KVERSE_CACHE_DIR}/bin/.kubernetes.XXXXXX")"
  start="$(date +%s)"
  log "building ${KUBE_BINARIES[*]} ${KUBE_VERSION} (first build takes ~10-25 min on 2 cores)…"
  if ! with_heartbeat kubernetes go -C "${REPO_ROOT}/tools/k8s" build -ldflags "$(kube_ldflags)" \
    -o "${staging}/" "${pkgs[@]}"; then
    rm -rf "${staging}"
    die "building kubernetes ${KUBE_VERSION} failed (see the go output above)"
  fi
  install_dir "${dir}" "${staging}"
  log "built kubernetes ${KUBE_VERSION} in $(elapsed_since "${start}") -> ${dir}"
}

build_etcd() {
  local dir staging start
  dir="$(etcd_dir)"
  if all_present "${dir}" etcd; then
    log "etcd ${ETCD_VERSION}: cached in ${dir}"
    return
  fi
  check_mod_version "${REPO_ROOT}/tools/etcd/go.mod" go.etcd.io/etcd/server/v3 "${ETCD_VERSION}"
  staging="$(mktemp -d "${KVERSE_CACHE_DIR}/bin/.etcd.XXXXXX")"
  start="$(date +%s)"
  log "building etcd ${ETCD_VERSION} (first build takes ~1-3 min, more with an empty Go cache)…"
  if ! with_heartbeat etcd go -C "${REPO_ROOT}/tools/etcd" build -ldflags "-s -w" -o "${staging}/etcd" .; then
    rm -rf "${staging}"
    die "building etcd ${ETCD_VERSION} failed (see the go output above)"
  fi
  install_dir "${dir}" "${staging}"
  log "built etcd ${ETCD_VERSION} in $(elapsed_since "${start}") -> ${dir}"
}

# go_install_tool NAME VERSION DIR PACKAGE@VERSION LDFLAGS
go_install_tool() {
  local name="$1" version="$2" dir="$3" pkg="$4" ldflags="$5" staging start
  if all_present "${dir}" "${name}"; then
    log "${name} ${version}: cached in ${dir}"
    return
  fi
  staging="$(mktemp -d "${KVERSE_CACHE_DIR}/bin/.${name}.XXXXXX")"
  start="$(date +%s)"
  log "building ${name} ${version} (first build takes ~2-5 min)…"
  # Run outside any module so `go install pkg@version` uses the tool's own go.mod.
  if ! with_heartbeat "${name}" env GOBIN="${staging}" go -C "${staging}" install -ldflags "${ldflags}" "${pkg}"; then
    rm -rf "${staging}"
    die "building ${name} ${version} failed (see the go output above)"
  fi
  install_dir "${dir}" "${staging}"
  log "built ${name} ${version} in $(elapsed_since "${start}") -> ${dir}"
}

# mod_field MODULE@VERSION FIELD -> a field of `go mod download -json` (Dir, GoMod, ...).
mod_field() {
  go mod download -json "$1" | sed -n "s/.*\"$2\": \"\\(.*\\)\".*/\\1/p"
}

# kwok ships no stages built in: copy the "fast" node/pod stages and the lease
# heartbeat (what kwokctl uses by default) from the same release.
write_kwok_stages() {
  local dest src file
  dest="$(kwok_dir)/stages.yaml"
  [[ -s "${dest}" ]] && return
  src="$(mod_field "sigs.k8s.io/kwok@${KWOK_VERSION}" Dir)/kustomize/stage"
  for file in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [[ -f "${src}/${file}" ]] || die "kwok ${KWOK_VERSION} has no stage ${file}"
    printf -- '---\n'
    cat "${src}/${file}"
  done >"${dest}.tmp"
  mv "${dest}.tmp" "${dest}"
}

build_kwok() {
  go_install_tool kwok "${KWOK_VERSION}" "$(kwok_dir)" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}" \
    "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
  write_kwok_stages
}

# helm_k8s_minor -> minor version of the client-go that helm's go.mod requires
# (upstream's Makefile stamps it as helm's default Kubernetes version).
helm_k8s_minor() {
  local modfile
  modfile="$(mod_field "helm.sh/helm/v3@${HELM_VERSION}" GoMod)"
  sed -n 's/^[[:space:]]*k8s.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "${modfile}" | head -n1
}

build_helm() {
  local minor v=helm.sh/helm/v3
  if all_present "$(helm_dir)" helm; then
    log "helm ${HELM_VERSION}: cached in $(helm_dir)"
    return
  fi
  minor="$(helm_k8s_minor)"
  [[ -n "${minor}" ]] || die "cannot read client-go's version from helm ${HELM_VERSION}'s go.mod"
  go_install_tool helm "${HELM_VERSION}" "$(helm_dir)" "${v}/cmd/helm@${HELM_VERSION}" \
    "-s -w -X ${v}/internal/version.version=${HELM_VERSION} -X ${v}/internal/version.gitTreeState=clean \
-X ${v}/pkg/lint/rules.k8sVersionMajor=1 -X ${v}/pkg/lint/rules.k8sVersionMinor=${minor} \
-X ${v}/pkg/chartutil.k8sVersionMajor=1 -X ${v}/pkg/chartutil.k8sVersionMinor=${minor}"
}

# build_all TOOL... -> builds the kubernetes binaries in the background while the small
# tools build in the foreground: one `go build` alone leaves a core idle much of the time
# (downloads, links), so overlapping them shortens a cold build.
build_all() {
  local tool kube=0 kube_pid rc=0
  for tool in "$@"; do
    case "${tool}" in
      kubernetes) kube=1 ;;
      etcd | kwok | helm) ;;
      *) die "unknown tool '${tool}' (expected: etcd kwok helm kubernetes)" ;;
    esac
  done
  if ((kube)); then
    build_kubernetes &
    kube_pid=$!
  fi
  # Each build runs as a job (not in an `||` list) so `set -e` stays in force inside it.
  for tool in "$@"; do
    [[ "${tool}" != kubernetes ]] || continue
    "build_${tool}" &
    wait "$!" || rc=$?
  done
  if ((kube)); then
    wait "${kube_pid}" || rc=$?
  fi
  ((rc == 0)) || die "some tools failed to build (see above)"
}

main() {
  local start lock
  command -v go >/dev/null || die "go is not installed (Go 1.24+ is needed to build the cluster tools)"
  go_env
  start="$(date +%s)"
  mkdir -p "${KVERSE_CACHE_DIR}/bin"
  # One build at a time per cache (several checkouts may share it).
  lock="${KVERSE_CACHE_DIR}/bin/.build.lock"
  exec 9>"${lock}"
  if ! flock -n 9; then
    log "another build-tools.sh holds ${lock}; waiting…"
    flock 9
  fi
  log "cache: ${KVERSE_CACHE_DIR}/bin ($(go version | cut -d' ' -f3))"
  (($# > 0)) || set -- etcd kwok helm kubernetes
  build_all "$@"
  log "all tools ready in $(elapsed_since "${start}"); PATH dirs: $(tools_path)"
}

main "$@"
