# shellcheck shell=bash
# Sourced by the project's scripts: puts Node 24 LTS (the version in .nvmrc) on PATH.
# Where the machine's node is older, the official `node` package from the npm registry is
# installed once into the KVerse cache (it ships the binary) and reused by every later run.

KVERSE_ROOT="${KVERSE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
KVERSE_CACHE_DIR="${KVERSE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kverse}"
export KVERSE_ROOT KVERSE_CACHE_DIR

kverse_log() { printf '\033[1m[kverse]\033[0m %s\n' "$*" >&2; }
kverse_die() { printf '\033[1;31m[kverse] error:\033[0m %s\n' "$*" >&2; exit 1; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local want major prefix
  want="$(tr -d '[:space:]' <"$KVERSE_ROOT/.nvmrc")"
  major="$(node_major)"
  if [ "$major" -ge "${want%%.*}" ]; then return 0; fi
  prefix="$KVERSE_CACHE_DIR/node-$want"
  if [ "$(node_major "$prefix/bin/node")" -lt "${want%%.*}" ]; then
    command -v npm >/dev/null || kverse_die "Node $want is needed and npm is missing to install it; install Node $want (see .nvmrc)."
    kverse_log "machine node is v$major; installing Node $want into $prefix (once)…"
    npm install --global --prefix "$prefix" --no-audit --no-fund --loglevel=error "node@$want" >&2 \
      || kverse_die "could not install node@$want from the npm registry"
  fi
  export PATH="$prefix/bin:$PATH"
  [ "$(node_major)" -ge "${want%%.*}" ] || kverse_die "Node $want install at $prefix does not run"
}

# Installs the workspace dependencies exactly as locked, when they are missing or older than the lockfile.
ensure_deps() {
  local stamp="$KVERSE_ROOT/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$KVERSE_ROOT/package-lock.json" ] && [ -z "${KVERSE_FORCE_INSTALL:-}" ]; then
    return 0
  fi
  kverse_log "installing dependencies (locked versions)…"
  # `npm install --no-save` installs exactly what package-lock.json pins and never rewrites it. Not `npm ci`: the
  # registries reachable here lack some platform builds listed as optional dependencies (biome's android, darwin,
  # windows and musl binaries), which npm leaves out of the lockfile and `npm ci` then refuses as "missing".
  (cd "$KVERSE_ROOT" && npm install --no-save --no-audit --no-fund --loglevel=error >&2) || kverse_die "npm install failed"
}
