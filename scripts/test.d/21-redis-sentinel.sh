#!/usr/bin/env bash
# Caches reached through Sentinel (REDIS_SENTINELS) need a Sentinel on 127.0.0.1:26379 beside the Redis.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services/redis-sentinel.sh"
