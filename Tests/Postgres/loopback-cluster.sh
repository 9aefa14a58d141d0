#!/usr/bin/env bash
# A PostgreSQL 15 primary (127.0.0.1:55432) and two streaming replicas (55433 "replica1",
# 55434 "replica2") on loopback, for the Postgres module's integration tests (no UML needed).
#
#   Tests/Postgres/loopback-cluster.sh start DIR    prints nothing on success
#   Tests/Postgres/loopback-cluster.sh stop DIR
set -euo pipefail
action=${1:?usage: loopback-cluster.sh start|stop DIR}
dir=${2:?usage: loopback-cluster.sh start|stop DIR}
bin=/usr/lib/postgresql/15/bin
as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)

stop() {
  for node in replica2 replica1 primary; do
    [ -f "$dir/$node/postmaster.pid" ] && "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/$node" -m immediate stop >/dev/null 2>&1 || true
  done
  return 0
}

case "$action" in
  stop) stop; rm -rf "$dir" ;;
  start)
    stop; rm -rf "$dir"
    mkdir -p "$dir"; chown postgres:postgres "$dir"
    "${as_postgres[@]}" "$bin/initdb" -N -A trust -U postgres -D "$dir/primary" >"$dir/initdb.log" 2>&1
    cat "$(dirname "$0")/test-cluster.conf" >> "$dir/primary/postgresql.conf"
    cat >> "$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = 55432
unix_socket_directories = '$dir'
CONF
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 start >/dev/null
    port=55433
    for replica in replica1 replica2; do
      "${as_postgres[@]}" "$bin/pg_basebackup" -h 127.0.0.1 -p 55432 -U postgres -D "$dir/$replica" -X stream -c fast \
        >"$dir/$replica-basebackup.log" 2>&1
      touch "$dir/$replica/standby.signal"; chown postgres:postgres "$dir/$replica/standby.signal"
      cat >> "$dir/$replica/postgresql.conf" <<CONF
port = $port
primary_conninfo = 'host=127.0.0.1 port=55432 user=postgres application_name=$replica'
CONF
      "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/$replica" -l "$dir/$replica.log" -w -t 60 start >/dev/null
      port=$((port + 1))
    done
    ;;
  *) echo "loopback-cluster.sh: unknown action $action" >&2; exit 2 ;;
esac
