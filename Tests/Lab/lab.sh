#!/usr/bin/env bash
# Boots the User-Mode Linux lab (a real kernel with IPVS) and runs one scenario inside it.
#
#   Tests/Lab/lab.sh test   the end-to-end assertions; exit status is the scenario's
#   Tests/Lab/lab.sh chaos  faults against a running daemon: reload storm, frozen writer and
#                           replica, dead DNS, SIGKILL mid-apply, kernel errors; watchdog gaps
#   Tests/Lab/lab.sh keepalive  idle sessions through a 20 s IPVS tcp timeout (server keepalives
#                           at the OS default against 5 s), the warnings, kernel sysctl checks
#   Tests/Lab/lab.sh sync   a director pair: the reader VIP moved to a second director with an idle
#                           session open, without and with the IPVS sync daemon pglvsd keeps
#   Tests/Lab/lab.sh seed   the seed's story through the resource agents lvsdr and lvsdr-realsvr
#   Tests/Lab/lab.sh systemd  the Debian package under real systemd 252 and journald (PID 1)
#   Tests/Lab/lab.sh pacemaker  the seed's cluster under real Corosync 3 and Pacemaker 2.1, with
#                           the package's agents (LAB_PACEMAKER_UNTIL=N stops after scenario N)
#   Tests/Lab/lab.sh demo   the cluster with pglvsd following it, printing the IPVS table
#   Tests/Lab/lab.sh bench  the IPVS benchmark (run through Benchmarks/ipvs/run.sh)
#   Tests/Lab/lab.sh scale  pglvsd's cost for N = 3, 30, 300 servers and S = 1, 8 services (run
#                           through Benchmarks/scale/run.sh; LAB_MEM 4G by default)
#
# Environment: PGLVSD (the binary, default .build/debug/pglvsd), LAB_OUT (where results and
# logs land on the host, default a fresh /tmp directory), LAB_MEM (guest memory, default 2G),
# LAB_TIMEOUT (seconds before the guest is killed, default 600); for compare, COMPARE_CHECKERS
# (which of them, comma-separated, default all), COMPARE_LOG_LEVEL (pglvsd's --log-level) and
# COMPARE_CUTS (network cuts per checker, default 3).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scenario=${1:?usage: lab.sh test|chaos|keepalive|sync|seed|systemd|pacemaker|demo|bench|scale}
[ -f "$here/guest/scenario-$scenario.sh" ] || { echo "lab.sh: unknown scenario '$scenario' (test, chaos, keepalive, sync, seed, systemd, pacemaker, demo, bench or scale)" >&2; exit 2; }
# Scenarios that install the package: under real systemd as PID 1, or in a throw-away root.
boot=plain
case $scenario in
  systemd) boot=systemd ;;
  # Three cluster nodes with PostgreSQL, Corosync and Pacemaker need more memory and time.
  pacemaker) boot=overlay; : "${LAB_MEM:=3G}" "${LAB_TIMEOUT:=3000}" ;;
  # 300 probe connections: as many PostgreSQL backends on the two standbys.
  scale) : "${LAB_MEM:=4G}" "${LAB_TIMEOUT:=2400}" ;;
esac
if [ "$boot" != plain ]; then
  deb=${PGLVSD_DEB:-$(ls -t "$root"/dist/pglvsd_*.deb 2>/dev/null | head -1)}
  [ -s "$deb" ] || { echo "lab.sh: scenario '$scenario' installs the Debian package: run scripts/package first (or set PGLVSD_DEB)" >&2; exit 2; }
  deb=$(readlink -f "$deb")
fi

pglvsd=${PGLVSD:-$root/.build/debug/pglvsd}
pglvsd=$(readlink -f "$pglvsd")
tests=${PGLVSD_TESTS:-$(dirname "$pglvsd")/pglvsdPackageTests.xctest}
[ -x "$pglvsd" ] || { echo "lab.sh: no pglvsd binary at $pglvsd (run swift build first)" >&2; exit 2; }
command -v linux.uml >/dev/null || { echo "lab.sh: linux.uml missing (apt-get install user-mode-linux)" >&2; exit 2; }

out=${LAB_OUT:-$(mktemp -d /tmp/pglvsd-lab.XXXXXX)}
mkdir -p "$out"
out=$(readlink -f "$out")
rm -f "$out/exit-code"

# Debian 12's UML cannot restore FPU state on hosts with AVX-512/AMX without this (uml-xstate.c).
cc -shared -fPIC -O2 -o "$out/uml-xstate.so" "$here/uml-xstate.c" -ldl \
  || { echo "lab.sh: cannot build $here/uml-xstate.c (gcc)" >&2; exit 2; }

echo "lab: booting UML ($(linux.uml --version 2>/dev/null | head -1 || echo kernel)) for scenario '$scenario'; output in $out"
# Arguments with '=' that the kernel does not know reach init as environment variables.
set +e
timeout --kill-after=10 "${LAB_TIMEOUT:-600}" env LD_PRELOAD="$out/uml-xstate.so" linux.uml \
  mem="${LAB_MEM:-2G}" rootfstype=hostfs rootflags=/ rw quiet \
  init="$here/guest/init.sh" \
  con=null con0=fd:0,fd:1 \
  LAB_SCENARIO="$scenario" LAB_OUT="$out" LAB_DIR="$here/guest" PGLVSD="$pglvsd" PGLVSD_TESTS="$tests" \
  LAB_BOOT="$boot" PGLVSD_DEB="${deb:-}" LAB_PACEMAKER_UNTIL="${LAB_PACEMAKER_UNTIL:-8}" \
  COMPARE_CHECKERS="${COMPARE_CHECKERS:-}" COMPARE_LOG_LEVEL="${COMPARE_LOG_LEVEL:-}" COMPARE_CUTS="${COMPARE_CUTS:-}" \
  LAB_SCENARIO_TIMEOUT="${LAB_SCENARIO_TIMEOUT:-$(( ${LAB_TIMEOUT:-600} - 90 ))}" \
  </dev/null 2>&1 | stdbuf -oL tr -d '\r'
uml_status=${PIPESTATUS[0]}
set -e
# UML's host processes (one per guest address space) can outlive a kernel that died or was
# killed, stopped and holding whatever the caller's descriptors were (a lock, a pipe).
pkill -KILL -f "^linux.uml .*LAB_OUT=$(printf '%s' "$out" | sed 's/[][\\.*^$]/\\&/g') " 2>/dev/null || true

if [ ! -s "$out/exit-code" ]; then
  echo "lab: the guest wrote no exit code (UML exit status $uml_status): it crashed or timed out" >&2
  exit 1
fi
code=$(cat "$out/exit-code")
echo "lab: scenario '$scenario' exited $code"
exit "$code"
