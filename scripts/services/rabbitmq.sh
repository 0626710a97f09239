#!/usr/bin/env bash
# Makes a RabbitMQ broker answer AMQP on 127.0.0.1:5672 (user guest/guest) for the integration tests and local runs.
# Idempotent: installs the Debian package once if missing, and starts a detached node `kverse@localhost` (data, logs
# and Erlang cookie under .kverse/services/rabbitmq) only when the node is not running yet; waits for
# `rabbitmqctl await_startup`. Never uses systemd. The broker runs as the `rabbitmq` system user when started by root.
#
#   bash scripts/services/rabbitmq.sh          start (or confirm running)
#   bash scripts/services/rabbitmq.sh stop     stop the node (fault tests restart it with the first form)
#   bash scripts/services/rabbitmq.sh ctl ARGS rabbitmqctl ARGS against that node (tests change broker settings)
set -euo pipefail
ROOT="${KVERSE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HOST=127.0.0.1
PORT="${KVERSE_RABBITMQ_PORT:-5672}"
DATA="$ROOT/.kverse/services/rabbitmq"
BIN=/usr/lib/rabbitmq/bin

log() { printf '\033[1m[rabbitmq]\033[0m %s\n' "$*" >&2; }
case "${1:-start}" in
  start | stop | ctl) ;;
  *)
    log "usage: bash scripts/services/rabbitmq.sh [start | stop | ctl <rabbitmqctl arguments>]"
    exit 2
    ;;
esac

if [ ! -x "$BIN/rabbitmq-server" ]; then
  log "installing rabbitmq-server (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq rabbitmq-server >/dev/null
fi

mkdir -p "$DATA/mnesia" "$DATA/log"
export HOME="$DATA" \
  RABBITMQ_NODENAME=kverse@localhost \
  RABBITMQ_NODE_IP_ADDRESS="$HOST" \
  RABBITMQ_NODE_PORT="$PORT" \
  RABBITMQ_DIST_PORT="$((PORT + 20000))" \
  RABBITMQ_MNESIA_BASE="$DATA/mnesia" \
  RABBITMQ_LOG_BASE="$DATA/log" \
  RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/enabled_plugins" \
  RABBITMQ_PID_FILE="$DATA/rabbitmq.pid" \
  RABBITMQ_CONFIG_FILE="$DATA/rabbitmq" \
  ERL_EPMD_ADDRESS=127.0.0.1
# Plugins are fixed before boot (offline), so a started node never needs a plugin change.
echo '[rabbitmq_consistent_hash_exchange].' >"$DATA/enabled_plugins"
cat >"$DATA/rabbitmq.conf" <<CONF
loopback_users = none
listeners.tcp.default = $HOST:$PORT
disk_free_limit.absolute = 50MB
CONF

run() {
  if [ "$(id -u)" = 0 ]; then
    chown -R rabbitmq:rabbitmq "$DATA"
    runuser -u rabbitmq --preserve-environment -- "$@"
  else "$@"; fi
}

running() { run "$BIN/rabbitmqctl" -q status >/dev/null 2>&1; }
# Something (another checkout's node, a system broker) already accepts connections on the port.
port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

if [ "${1:-start}" = ctl ]; then
  shift
  running || { log "kverse@localhost is not running (start it with: bash scripts/services/rabbitmq.sh)"; exit 1; }
  run "$BIN/rabbitmqctl" -q "$@"
  exit
fi

if [ "${1:-start}" = stop ]; then
  if running; then log "stopping kverse@localhost"; run "$BIN/rabbitmqctl" -q stop >/dev/null; fi
  exit 0
fi

if running; then
  log "already running on $HOST:$PORT"
  exit 0
fi
if port_open; then
  log "a broker not started from this checkout already answers on $HOST:$PORT; using it"
  exit 0
fi

log "starting RabbitMQ on $HOST:$PORT (data and logs in $DATA)"
run "$BIN/rabbitmq-server" -detached >>"$DATA/log/startup.log" 2>&1 ||
  { log "rabbitmq-server failed to start; see $DATA/log/startup.log"; exit 1; }
# -detached returns before the node registers with epmd; await_startup needs a reachable node.
for _ in $(seq 1 60); do
  run "$BIN/rabbitmq-diagnostics" -q ping >/dev/null 2>&1 && break
  sleep 0.5
done
if run "$BIN/rabbitmqctl" -q --timeout 120 await_startup >>"$DATA/log/startup.log" 2>&1; then
  log "ready on $HOST:$PORT"
  exit 0
fi
log "RabbitMQ did not finish starting; see $DATA/log/ (startup.log, kverse@localhost.log)"
exit 1
