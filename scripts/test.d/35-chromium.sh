#!/usr/bin/env bash
# Browser tests (apps/web/test/integration) drive Debian's Chromium through playwright-core; no browser download.
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "[kverse] installing Debian chromium for the web UI browser tests" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
