#!/usr/bin/env bash
# A self-signed key and certificate (ECDSA P-256: quick to make even inside UML) as server.key
# and server.crt in a fresh data directory, owned by postgres, for test-cluster.conf's ssl = on.
# Base backups and pg_rewind copy them to the replicas, as on a real Debian cluster, whose
# ssl = on uses the snakeoil certificate: libpq's default sslmode=prefer then talks TLS, and on
# libpq 15 pglvsd's password guard (channel_binding=require) needs it.
#
#   Tests/Postgres/server-cert.sh DATADIR
set -euo pipefail
dir=${1:?usage: server-cert.sh DATADIR}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
  -subj "/CN=pglvsd-test" -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1 \
  || { echo "server-cert.sh: openssl could not make a certificate in $dir" >&2; exit 1; }
chown postgres:postgres "$dir/server.key" "$dir/server.crt"
chmod 0600 "$dir/server.key"
