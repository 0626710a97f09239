#!/usr/bin/env bash
# Makes a Redis Sentinel answer on 127.0.0.1:26379, monitoring the Redis of scripts/services/redis.sh (started first)
# as master `kverse` — the same discovery path the cluster uses (REDIS_SENTINELS=127.0.0.1:26379,
# REDIS_SENTINEL_NAME=kverse). Idempotent; data, config and log under .kverse/services/redis-sentinel.
#   bash scripts/services/redis-sentinel.sh          start (or confirm running)
#   bash scripts/services/redis-sentinel.sh stop     stop the sentinel (Redis keeps running)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${KVERSE_ROOT:-$(cd "$HERE/../.." && pwd)}"
HOST=127.0.0.1
PORT="${KVERSE_SENTINEL_PORT:-26379}"
MASTER_PORT="${KVERSE_REDIS_PORT:-6379}"
DATA="$ROOT/.kverse/services/redis-sentinel"

log() { printf '\033[1m[redis-sentinel]\033[0m %s\n' "$*" >&2; }
case "${1:-start}" in
  start) ;;
  stop)
    if [ -f "$DATA/sentinel.pid" ] && kill -0 "$(cat "$DATA/sentinel.pid")" 2>/dev/null; then
      log "stopping the sentinel on $HOST:$PORT"
      kill "$(cat "$DATA/sentinel.pid")"
    fi
    exit 0
    ;;
  *)
    log "usage: bash scripts/services/redis-sentinel.sh [start | stop]"
    exit 2
    ;;
esac

bash "$HERE/redis.sh"

if [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; then
  log "already answering on $HOST:$PORT"
  exit 0
fi

mkdir -p "$DATA"
# Sentinel rewrites its config file at run time, so it gets a fresh one on every start.
cat >"$DATA/sentinel.conf" <<CONF
bind $HOST
port $PORT
daemonize yes
pidfile $DATA/sentinel.pid
logfile $DATA/sentinel.log
dir $DATA
sentinel monitor kverse $HOST $MASTER_PORT 1
sentinel down-after-milliseconds kverse 5000
sentinel failover-timeout kverse 60000
CONF
log "starting redis-sentinel on $HOST:$PORT (master kverse = $HOST:$MASTER_PORT)"
redis-sentinel "$DATA/sentinel.conf"
for _ in $(seq 1 50); do
  if [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; then
    log "ready on $HOST:$PORT"
    exit 0
  fi
  sleep 0.1
done
log "redis-sentinel did not answer PING on $HOST:$PORT; see $DATA/sentinel.log"
exit 1
