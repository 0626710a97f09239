#!/usr/bin/env bash
# Makes a Redis answer PING on 127.0.0.1:6379 for the integration tests and local runs. Idempotent: installs the
# Debian packages once if missing, and starts a daemonised redis-server (data under .kverse/services/redis) only
# when nothing answers there yet. Never uses systemd, so it works in containers and CI runners alike.
#
#   bash scripts/services/redis.sh          start (or confirm running)
#   bash scripts/services/redis.sh stop     shut the server down (fault tests restart it with the first form)
set -euo pipefail
ROOT="${KVERSE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HOST=127.0.0.1
PORT="${KVERSE_REDIS_PORT:-6379}"
DATA="$ROOT/.kverse/services/redis"

log() { printf '\033[1m[redis]\033[0m %s\n' "$*" >&2; }
case "${1:-start}" in
  start | stop) ;;
  *)
    log "usage: bash scripts/services/redis.sh [start | stop]"
    exit 2
    ;;
esac

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null || ! command -v redis-sentinel >/dev/null; then
  log "installing redis-server, redis-sentinel, redis-tools (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq redis-server redis-sentinel redis-tools >/dev/null
fi

if [ "${1:-start}" = stop ]; then
  if [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; then
    log "stopping redis-server on $HOST:$PORT"
    redis-cli -h "$HOST" -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  exit 0
fi

if [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; then
  log "already answering on $HOST:$PORT"
  exit 0
fi

mkdir -p "$DATA"
log "starting redis-server on $HOST:$PORT (data in $DATA)"
redis-server --bind "$HOST" --port "$PORT" --daemonize yes \
  --dir "$DATA" --pidfile "$DATA/redis.pid" --logfile "$DATA/redis.log" \
  --save '' --appendonly no

for _ in $(seq 1 50); do
  if [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]; then
    log "ready on $HOST:$PORT"
    exit 0
  fi
  sleep 0.1
done
log "redis-server did not answer PING on $HOST:$PORT; see $DATA/redis.log"
exit 1
