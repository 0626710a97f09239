#!/usr/bin/env bash
# The chart tests (cdk8s/test/charts.test.ts) run `helm template` and `helm lint`: build the pinned helm from its Go
# module once (cached by version; skipped when already built).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../cluster/build-tools.sh" helm
