#!/usr/bin/env bash
# Makes a PostgreSQL answer on 127.0.0.1:5432 with database `kverse` owned by user `kverse` (password `kverse`),
# every transaction SERIALIZABLE by default (as on CockroachDB). Idempotent: installs the Debian packages once if
# missing, creates a cluster under .kverse/services/postgres with initdb, and starts it with pg_ctl only when nothing
# answers yet. Never uses systemd or pg_ctlcluster. The server runs as the `postgres` system user (it refuses root).
#
#   bash scripts/services/postgres.sh          start (or confirm running)
#   bash scripts/services/postgres.sh stop     fast shutdown (fault tests restart it with the first form)
set -euo pipefail
ROOT="${KVERSE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
HOST=127.0.0.1
PORT="${KVERSE_POSTGRES_PORT:-5432}"
DATA="$ROOT/.kverse/services/postgres"
PGDATA="$DATA/data"
LOGFILE="$DATA/postgres.log"

log() { printf '\033[1m[postgres]\033[0m %s\n' "$*" >&2; }
case "${1:-start}" in
  start | stop) ;;
  *)
    log "usage: bash scripts/services/postgres.sh [start | stop]"
    exit 2
    ;;
esac

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

if ! BIN="$(find_bin)" || ! command -v psql >/dev/null; then
  log "installing postgresql (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql postgresql-client >/dev/null
  BIN="$(find_bin)"
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ready() { "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" >/dev/null 2>&1; }

# The superuser connects over the cluster's own Unix socket (trust); TCP clients need a password.
ensure_database() {
  if [ ! -S "$DATA/.s.PGSQL.$PORT" ]; then
    PGPASSWORD=kverse psql -q -h "$HOST" -p "$PORT" -U kverse -d kverse -c 'SELECT 1' >/dev/null 2>&1 ||
      { log "a server on $HOST:$PORT is not ours and has no kverse database/user"; exit 1; }
    return 0
  fi
  local sql="psql -v ON_ERROR_STOP=1 -q -h $DATA -p $PORT -U postgres -d postgres"
  as_pg $sql -tAc "SELECT 1 FROM pg_roles WHERE rolname='kverse'" | grep -q 1 ||
    as_pg $sql -c "CREATE ROLE kverse LOGIN PASSWORD 'kverse'"
  as_pg $sql -tAc "SELECT 1 FROM pg_database WHERE datname='kverse'" | grep -q 1 ||
    as_pg $sql -c "CREATE DATABASE kverse OWNER kverse"
}

if [ "${1:-start}" = stop ]; then
  if [ -s "$PGDATA/postmaster.pid" ]; then
    log "stopping"
    as_pg "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
  exit 0
fi

if ready; then
  log "already answering on $HOST:$PORT"
  ensure_database
  exit 0
fi

mkdir -p "$DATA"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  log "creating a cluster in $PGDATA"
  as_pg "$BIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 >"$DATA/initdb.log" 2>&1 || { log "initdb failed; see $DATA/initdb.log"; exit 1; }
  cat >>"$PGDATA/postgresql.conf" <<CONF
# KVerse test cluster
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$DATA'
default_transaction_isolation = 'serializable'
max_connections = 200
fsync = on
synchronous_commit = on
CONF
fi

log "starting PostgreSQL on $HOST:$PORT (data in $PGDATA)"
as_pg "$BIN/pg_ctl" -D "$PGDATA" -l "$LOGFILE" -w -t 60 start >/dev/null ||
  { log "pg_ctl start failed; see $LOGFILE"; exit 1; }
for _ in $(seq 1 100); do
  if ready; then
    ensure_database
    log "ready on $HOST:$PORT (database kverse, user kverse)"
    exit 0
  fi
  sleep 0.1
done
log "PostgreSQL did not answer on $HOST:$PORT; see $LOGFILE"
exit 1
