#!/usr/bin/env bash
# The SQL engine and the distributed data plane need PostgreSQL on 127.0.0.1:5432 (database/user kverse).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services/postgres.sh"
