#!/usr/bin/env bash
# Builds the web UI (apps/web) that apps/api serves at /ui/: type check for the browser (tsc, no emit), then Vite.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../apps/web"
npx tsc -p tsconfig.json
npx vite build --logLevel warn
