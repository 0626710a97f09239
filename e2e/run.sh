#!/usr/bin/env bash
# `npm run test:e2e`: the e2e suite (docs/e2e.md) with what its provider needs started first.
#   local (default): the apps built, PostgreSQL/RabbitMQ/Redis (scripts/services) and the local control plane
#   kind (KVERSE_E2E_PROVIDER=kind): nothing here; the suite checks Docker and kind and brings up the cluster
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/node.sh disable=SC1091
source "$root/scripts/lib/node.sh"
cd "$root"
ensure_node
provider="${KVERSE_E2E_PROVIDER:-local}"
if [ "$provider" = local ]; then
  npx tsc -b
  for service in postgres rabbitmq redis; do bash "scripts/services/$service.sh"; done
  bash scripts/test.d/60-cluster.sh
fi
exec npx vitest run --project e2e "$@"
