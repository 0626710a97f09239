#!/usr/bin/env bash
# The browser tests load the built UI from apps/web/dist; build it (with its type check) first.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../build.d/10-web.sh"
