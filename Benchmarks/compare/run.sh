#!/usr/bin/env bash
# The comparison benchmark: pglvsd, keepalived, ldirectord and a re-enactment of the seed's lvsdr
# monitor, each in turn against the same UML lab cluster and the same faults, then the CPU one
# health check costs on the host by mechanism. Prints one table with the date and the machine.
#   Benchmarks/compare/run.sh        (as root, from the repository; about 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
scripts/install-deps
for package in keepalived ldirectord libdbd-pg-perl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="${missing:-} $package"
done
if [ -n "${missing:-}" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The binary scripts/install installs: Swift runtime and Foundation linked in.
swift build -c release --static-swift-stdlib --product pglvsd
swift build -c release --product probe-bench
out=${LAB_OUT:-$(mktemp -d /tmp/pglvsd-compare.XXXXXX)}
PGLVSD=.build/release/pglvsd LAB_OUT="$out" LAB_TIMEOUT=${LAB_TIMEOUT:-2700} Tests/Lab/lab.sh compare

cluster=$(mktemp -d /tmp/pglvsd-compare-pg.XXXXXX)
trap 'Tests/Postgres/loopback-cluster.sh stop "$cluster" >/dev/null 2>&1' EXIT
Tests/Postgres/loopback-cluster.sh start "$cluster" >/dev/null
Benchmarks/compare/check-cost.sh "$cluster" 300 > "$out/check-cost.tsv"

echo
echo "## Read-pool checkers compared ($(date -u +%Y-%m-%d), $(nproc) cores $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), UML $(linux.uml --version 2>/dev/null | head -1 | awk '{print $NF}'))"
echo
awk -F'\t' '
  { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
    if (!($2 in rowseen)) { rowseen[$2] = 1; rows[++m] = $2 }
    value[$2, $1] = $3 }
  END {
    line = "| measure |"; sep = "|---|"
    for (i = 1; i <= n; i++) { line = line " " order[i] " |"; sep = sep "---|" }
    print line; print sep
    for (j = 1; j <= m; j++) {
      line = "| " rows[j] " |"
      for (i = 1; i <= n; i++) line = line " " ((rows[j], order[i]) in value ? value[rows[j], order[i]] : "") " |"
      print line
    }
  }' "$out/compare.tsv"
echo
echo "One health check on the host (loopback PostgreSQL 15 standby):"
echo
awk -F'\t' 'NR == 1 { print "| " $1 " | " $2 " | " $3 " | " $4 " |"; print "|---|---|---|---|"; next }
  { print "| " $1 " | " $2 " | " $3 " | " $4 " |" }' "$out/check-cost.tsv"
echo
echo "(raw results in $out)"
