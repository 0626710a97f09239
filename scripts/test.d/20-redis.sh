#!/usr/bin/env bash
# Integration tests (apps/chat replicas, caches) need a Redis on 127.0.0.1:6379.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services/redis.sh"
