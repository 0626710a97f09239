#!/usr/bin/env bash
# The e2e suite's local provider (docs/e2e.md) installs the charts on the local control plane: build the pinned
# binaries once (cached by version; the first build is the slow part of a fresh CI run), then start the cluster or
# repair it (about a second when it is already up). With KVERSE_E2E_PROVIDER=kind the suite brings its own cluster.
set -euo pipefail
if [ "${KVERSE_E2E_PROVIDER:-local}" != local ]; then
  echo "KVERSE_E2E_PROVIDER=${KVERSE_E2E_PROVIDER}: the local control plane is not needed"
  exit 0
fi
dir="$(dirname "${BASH_SOURCE[0]}")/../cluster"
bash "$dir/build-tools.sh"
exec bash "$dir/up.sh"
