#!/usr/bin/env bash
# A PostgreSQL 15 primary (127.0.0.1:55432) and two streaming replicas (55433 "replica1",
# 55434 "replica2") on loopback, for the Postgres module's integration tests (no UML needed).
# Logins are trusted except roles cleartext_probe (password), md5_probe (md5, an MD5 secret) and
# scram_probe (scram-sha-256). TLS is on (a self-signed certificate), as on a Debian cluster.
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
    "$(dirname "$0")/server-cert.sh" "$dir/primary"
    cat >> "$dir/primary/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = 55432
unix_socket_directories = '$dir'
CONF
    # Roles whose logins ask for the password in clear text, as MD5 and by SCRAM (the replicas
    # copy them with the base backup), for the require_auth tests.
    { printf 'host all cleartext_probe 127.0.0.1/32 password\nhost all md5_probe 127.0.0.1/32 md5\n'
      printf 'host all scram_probe 127.0.0.1/32 scram-sha-256\n'
      cat "$dir/primary/pg_hba.conf"; } > "$dir/pg_hba.conf.new"
    install -o postgres -g postgres -m 0600 "$dir/pg_hba.conf.new" "$dir/primary/pg_hba.conf"; rm "$dir/pg_hba.conf.new"
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/primary" -l "$dir/primary.log" -w -t 60 start >/dev/null
    "${as_postgres[@]}" /usr/bin/psql -q -X -v ON_ERROR_STOP=1 -h "$dir" -p 55432 -U postgres -d postgres -f - <<'SQL'
CREATE ROLE cleartext_probe LOGIN PASSWORD 'loopback-probe-secret';
CREATE ROLE scram_probe LOGIN PASSWORD 'loopback-probe-secret';
-- An MD5 hash stored, so that the md5 method really asks for MD5 (with a SCRAM secret it uses SCRAM).
SET password_encryption = 'md5';
CREATE ROLE md5_probe LOGIN PASSWORD 'loopback-probe-secret';
SQL
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
