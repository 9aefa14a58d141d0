#!/usr/bin/env bash
# The host side of the comparison: the CPU one health check costs, by mechanism, against the
# loopback PostgreSQL cluster (a standby on port 55433), COUNT checks each:
#   forked psql per check        (keepalived's MISC_CHECK script, the seed's agent)
#   new connection per check     (ldirectord's DBI check: a connection, a query, a disconnect)
#   query on an open connection  (pglvsd's probe)
# "machine" is every CPU tick the host spent meanwhile (the server's backend forks included), so
# run it on a quiet machine and compare the ratios within one run.
#   check-cost.sh CLUSTER_DIR [COUNT]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
count=${2:-300}
conninfo="host=127.0.0.1 port=55433 dbname=postgres user=postgres"
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
hz=$(getconf CLK_TCK)

# measure NAME CHECKS COMMAND...: prints NAME, client CPU ms per check, machine CPU ms per check.
measure() {
  local name=$1 checks=$2; shift 2
  local before after start end client
  before=$(busy); start=$(date +%s.%N)
  client=$( { /usr/bin/time -f "%U %S" "$@" >/dev/null; } 2>&1 | tail -1 | awk '{ print $1 + $2 }')
  after=$(busy); end=$(date +%s.%N)
  printf '%s\t%.3f\t%.3f\t%.2f\n' "$name" "$(echo "$client * 1000 / $checks" | bc -l)" \
    "$(echo "($after - $before) * 1000 / $hz / $checks" | bc -l)" "$(echo "($end - $start) * 1000 / $checks" | bc -l)"
}

printf 'mechanism\tclient CPU ms/check\tmachine CPU ms/check\twall ms/check\n'
measure "forked psql per check" "$count" bash -c "for i in \$(seq $count); do psql '$conninfo' -qAtX -c 'select pg_is_in_recovery()' >/dev/null; done"
measure "new connection per check (DBI)" "$count" perl -MDBI -e '
  for (1..$ARGV[0]) { my $d = DBI->connect("dbi:Pg:dbname=postgres;host=127.0.0.1;port=55433", "postgres", "", { RaiseError => 1 });
    $d->selectrow_array("select 1 where pg_is_in_recovery()"); $d->disconnect }' "$count"
measure "query on an open connection (pglvsd)" $((count * 10)) "$root/.build/release/probe-bench" "$conninfo" $((count * 10))
