#!/bin/bash
# PID 1 of the UML guest: prepares the kernel (filesystems, IPVS modules), runs the scenario,
# records its exit code on the host's filesystem, and halts.
export PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
# Threads of one guest process share their AVX-512 registers under UML on such hosts
# (Tests/Lab/uml-xstate.c): glibc's string functions must not use them.
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD

finish() {
  echo "${1:-1}" > "$LAB_OUT/exit-code"
  sync
  halt -f
}

# (A second pass, inside a throw-away root, finds /proc, /sys and the modules in place.)
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mount -t tmpfs -o size=1200m tmpfs /run
mkdir -p /run/netns /run/lab

modules=/usr/lib/uml/modules/$(uname -r)/kernel
for module in lib/crc-ccitt net/ipv6/ipv6 \
  net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 net/netfilter/nf_conntrack \
  net/netfilter/ipvs/ip_vs \
  net/netfilter/ipvs/ip_vs_rr net/netfilter/ipvs/ip_vs_wrr net/netfilter/ipvs/ip_vs_lc \
  net/netfilter/ipvs/ip_vs_wlc net/netfilter/ipvs/ip_vs_sh net/netfilter/ipvs/ip_vs_dh \
  net/netfilter/ipvs/ip_vs_sed net/netfilter/ipvs/ip_vs_nq net/netfilter/ipvs/ip_vs_fo \
  net/netfilter/ipvs/ip_vs_ovf net/netfilter/ipvs/ip_vs_lblc net/netfilter/ipvs/ip_vs_lblcr \
  net/netfilter/ipvs/ip_vs_mh net/netfilter/nf_conntrack_sip net/netfilter/ipvs/ip_vs_pe_sip \
  drivers/net/veth drivers/net/dummy net/llc/llc net/802/stp net/bridge/bridge; do
  if ! insmod "$modules/$module.ko" 2>/run/insmod.err; then
    grep -q "File exists" /run/insmod.err || { echo "lab: insmod $module failed: $(cat /run/insmod.err)"; rm -f /run/insmod.err; finish 1; }
  fi
  rm -f /run/insmod.err
done
ip link set lo up

# A scenario that needs real systemd and journald gets them as PID 1 (boot-systemd.sh), and
# runs as a unit of theirs; one that installs packages runs in a throw-away root (boot-overlay.sh).
case "${LAB_BOOT:-}" in
  systemd|overlay) exec bash "$LAB_DIR/boot-$LAB_BOOT.sh" ;;
esac

if [ -f "$LAB_DIR/scenario-$LAB_SCENARIO.sh" ]; then
  # A scenario that hangs still ends, with what the kernel and the daemon were doing.
  # SIGTERM first: a scenario that traps it prints its diagnostics within the minute after.
  timeout --kill-after=60 "${LAB_SCENARIO_TIMEOUT:-1200}" bash "$LAB_DIR/scenario-$LAB_SCENARIO.sh"
  status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "lab: scenario $LAB_SCENARIO timed out after ${LAB_SCENARIO_TIMEOUT:-1200}s"
    echo "--- kernel table ---"; ipvsadm -Ln 2>&1
    echo "--- pglvsd log ---"; tail -n 60 /run/lab/pglvsd.log 2>&1
    echo "--- processes ---"; ps -eo pid,ppid,stat,etime,args 2>&1 | grep -v "\[" | tail -n 40
    mkdir -p "$LAB_OUT/logs"; cp /run/lab/*.log "$LAB_OUT/logs/" 2>/dev/null
  fi
  finish "$status"
fi
echo "lab: unknown scenario $LAB_SCENARIO"
finish 2
