#!/usr/bin/env bash
# The scaling benchmark: pglvsd's cost as the cluster grows, in the UML lab (scenario-scale.sh).
# N real servers (node2 and node3, streaming standbys of node1, and N-2 IP aliases of theirs,
# each its own probe connection), listed by address in S virtual services (`discovery: static`,
# poll_interval 1s). Per (N, S): CPU per cycle, the last-cycle gauge, RSS, probe connections
# held, and the kernel operations of a full churn (a reload changing every weight). Prints a
# table with the date and the machine.
#
#   Benchmarks/scale/run.sh                      N = 3 30 300, S = 1 8 (as root; ~15 minutes)
#   SCALE_SIZES="3 30" Benchmarks/scale/run.sh   a smaller run
#   SCALE_SERVICES="1" SCALE_CYCLES=60 ...       other service counts, a longer sample
#   SCALE_PROBE_TLS=1 ...                        probes over TLS with SCRAM, as the writer's
#                                                connection (under UML the pools fill only at small N)
#
# Builds and lab boots take /tmp/pglvsd-heavy.lock (flock), as everything heavy on a shared
# machine does; a run may wait for it.
set -euo pipefail
source "$(dirname "$0")/../../scripts/env.sh"
scripts/install-deps
lock=${PGLVSD_HEAVY_LOCK:-/tmp/pglvsd-heavy.lock}
# The binary scripts/install installs (Swift runtime linked in statically).
flock -o "$lock" swift build -c release --static-swift-stdlib --product pglvsd >/dev/null
out=${LAB_OUT:-$(mktemp -d /tmp/pglvsd-scale.XXXXXX)}
mkdir -p "$out"; out=$(readlink -f "$out")
cat > "$out/scale.env" <<ENV
SCALE_SIZES="${SCALE_SIZES:-3 30 300}"
SCALE_SERVICES="${SCALE_SERVICES:-1 8}"
SCALE_CYCLES=${SCALE_CYCLES:-40}
SCALE_PROBE_TLS=${SCALE_PROBE_TLS:-0}
ENV
started=$(date +%s)
PGLVSD=.build/release/pglvsd LAB_OUT=$out flock -o "$lock" Tests/Lab/lab.sh scale >"$out/console.log" 2>&1 || {
  cat "$out/console.log"; echo "scale: the lab run failed (logs in $out)" >&2; exit 1; }

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
echo "## Scaling benchmark ($(date -u +%Y-%m-%d), $(nproc) cores $cpu, UML $(linux.uml --version 2>/dev/null | head -1 | awk '{print $NF}'), $(.build/release/pglvsd --version 2>/dev/null || echo pglvsd))"
echo
# scale.tsv (scenario-scale.sh): N S cycles ticks cpu_us cycle_ms cycle_ms_max period_ms rss_kb
# hwm_kb probes sockets churn_ops churn_s ready_s user_ticks system_ticks
awk -F'\t' '
  BEGIN {
    print "| N | S | CPU µs/cycle | user / system | µs/cycle per server | cycle ms (mean, max) | RSS MiB (VmRSS / VmHWM) | probe connections | daemon sockets | full churn: N×S weights → kernel ops (s) | pools full after s |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
  }
  {
    printf "| %d | %d | %d | %d%% / %d%% | %.1f | %s, %s | %.1f / %.1f | %d | %d | %d → %d (%s) | %s |\n",
      $1, $2, $5, $4 ? 100 * $16 / $4 : 0, $4 ? 100 * $17 / $4 : 0, $5 / $1, $6, $7, $9 / 1024, $10 / 1024,
      $11, $12, $1 * $2, $13, $14, $15
    cpu[$1, $2] = $5; if (!($2 in seen)) { seen[$2] = 1; services[++ns] = $2 }
  }
  END {
    for (i = 1; i <= ns; i++) {
      s = services[i]
      if (((30, s) in cpu) && ((300, s) in cpu) && cpu[30, s] > 0)
        printf "\nS=%d: CPU per server per cycle at N=300 / at N=30 = %.2f×", s, (cpu[300, s] / 300) / (cpu[30, s] / 30)
    }
    print ""
  }' "$out/scale.tsv"
echo
echo "CPU: utime+stime of the daemon over $(. "$out/scale.env"; echo "$SCALE_CYCLES") cycles (CLK_TCK 100, so ±10 ms over the sample); cycle ms: pglvsd_reconcile_duration_seconds, each cycle's; churn: pglvsd_kernel_operations_total before and after a SIGHUP that changes every weight."
echo "The run took $(( $(date +%s) - started )) s (lab boot included); raw results in $out"
