#!/usr/bin/env bash
# IPVS benchmark: add then delete N destinations (and dump them) on the lab's UML kernel with
# pglvsd's IPVS module, a bare libnl-genl loop (the floor), `ipvsadm -R` batches and one
# `ipvsadm` per destination. Prints a table with per-operation microseconds and ratios.
#
#   Benchmarks/ipvs/run.sh                  N = 1000 and 10000, ipvsadm per op for both
#   BENCH_SIZES="1000" Benchmarks/ipvs/run.sh
#   BENCH_PER_OP_MAX=1000 ...               skip the (slow) per-op ipvsadm run above 1000
set -euo pipefail
source "$(dirname "$0")/../../scripts/env.sh"
scripts/install-deps
command -v gcc >/dev/null || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }

swift build -c release --product ipvs-bench >/dev/null
swift build --product pglvsd >/dev/null
out=${LAB_OUT:-$(mktemp -d /tmp/pglvsd-bench.XXXXXX)}
mkdir -p "$out"; out=$(readlink -f "$out")
gcc -O2 -Wall -o "$out/libnl-floor" Benchmarks/ipvs/libnl-floor.c $(pkg-config --cflags --libs libnl-genl-3.0)
cat > "$out/bench.env" <<ENV
BENCH_SIZES="${BENCH_SIZES:-1000 10000}"
BENCH_PER_OP_MAX=${BENCH_PER_OP_MAX:-10000}
IPVS_BENCH=$(readlink -f .build/release/ipvs-bench)
LIBNL_FLOOR=$out/libnl-floor
ENV
LAB_OUT=$out LAB_TIMEOUT=${LAB_TIMEOUT:-3600} Tests/Lab/lab.sh bench >"$out/console.log" 2>&1 || {
  cat "$out/console.log"; echo "bench: the lab run failed" >&2; exit 1; }

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "IPVS benchmark, $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), UML $(uname -r 2>/dev/null | sed 's/.*//')kernel $(linux.uml --version 2>/dev/null | head -1)"
awk -F'\t' '
  { seconds[$1 " " $2 " " $3] = $4; if (!($3 in seen)) { seen[$3] = 1; sizes[++n] = $3 } }
  END {
    printf "| method | N | add s | add µs/op | delete s | delete µs/op |\n|---|---|---|---|---|---|\n"
    split("module libnl-floor ipvsadm-R ipvsadm-per-op", methods, " ")
    for (s = 1; s <= n; s++) for (m = 1; m <= 4; m++) {
      key = methods[m] " add " sizes[s]; if (!(key in seconds)) continue
      a = seconds[key]; d = seconds[methods[m] " delete " sizes[s]]
      printf "| %s | %d | %.3f | %.1f | %.3f | %.1f |\n", methods[m], sizes[s], a, a * 1e6 / sizes[s], d, d * 1e6 / sizes[s]
    }
    printf "\n| N | module dump s | ipvsadm -Ln s |\n|---|---|---|\n"
    for (s = 1; s <= n; s++) printf "| %d | %.4f | %.4f |\n", sizes[s], seconds["module dump " sizes[s]], seconds["ipvsadm-Ln dump " sizes[s]]
    printf "\n| N | module / floor | ipvsadm -R / module | ipvsadm per op / module |\n|---|---|---|---|\n"
    for (s = 1; s <= n; s++) {
      mod = seconds["module add " sizes[s]] + seconds["module delete " sizes[s]]
      floor = seconds["libnl-floor add " sizes[s]] + seconds["libnl-floor delete " sizes[s]]
      batch = seconds["ipvsadm-R add " sizes[s]] + seconds["ipvsadm-R delete " sizes[s]]
      perop = seconds["ipvsadm-per-op add " sizes[s]] + seconds["ipvsadm-per-op delete " sizes[s]]
      ratio = (perop > 0) ? sprintf("%.0f×", perop / mod) : "not run"
      printf "| %d | %.2f× | %.1f× | %s |\n", sizes[s], mod / floor, batch / mod, ratio
    }
  }' "$out/bench.tsv"
echo
echo "raw results: $out/bench.tsv"
