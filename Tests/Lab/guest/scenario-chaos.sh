#!/bin/bash
# Chaos on a real kernel: faults applied to a running pglvsd (under the lab's notify and journal
# listeners, with the unit's watchdog interval), each followed by the assertions that the
# daemon neither wedged nor crashed and that the pool is right again. Prints the longest wait
# for WATCHDOG=1 over the whole run and each fault's time from its end to the pool being right.
source "$LAB_DIR/lib.sh"
trap 'save_logs' EXIT

N2="$(node_ip 2):$READ_PORT"
N3="$(node_ip 3):$READ_PORT"
pool_right() { pool_is "$N2 2" "$N3 3"; }
FIGURES=()
# watchdogs_between FROM TO: the WATCHDOG=1 entries pglvsd sent in (FROM, TO]: two a round, one
# as it starts and one with its decision.
watchdogs_between() {
  awk -v from="$1" -v to="$2" -v pid="$PGLVSD_PID" '
    /^_LAB_RECEIVED=/ { received = substr($0, 15) + 0; next }
    /^_LAB_PID=/ { sender = substr($0, 10); next }
    /^WATCHDOG=1$/ && sender == pid && received > from && received <= to { n++ }
    END { print n + 0 }' "$LAB/notify.log"
}
# repaired_within_two_cycles WHAT FROM MARK: the round that logged the table's repair (its "drift
# repaired … add service", after journal line MARK) came at most two cycles after FROM, when the
# fault ended: counted in pglvsd's own rounds, not in wall-clock time, which UML stretches.
repaired_within_two_cycles() {
  local repaired count
  repaired=$(journal_time "^MESSAGE=drift repaired .*: add service" "$3")
  [ -n "$repaired" ] || fail "$1: no repair logged"
  count=$(watchdogs_between "$2" "$repaired")
  figure "$1: repaired $(seconds "$2" "$repaired")s after the fault ended, $count keep-alives later (two a round)"
  [ "$count" -le 4 ] || fail "$1: repaired $count keep-alives (more than two rounds) after the fault ended"
}
# figure TEXT: one line of the summary printed at the end.
figure() { FIGURES+=("$1"); log "$1"; }
# journal_mark: where the journal stands now, for entries logged after it.
journal_mark() { wc -l < "$LAB/journal.log"; }
logged_since() { tail -n +"$1" "$LAB/journal.log" | grep -aqE "$2"; }
alive() { kill -0 "$PGLVSD_PID" 2>/dev/null || fail "pglvsd (pid $PGLVSD_PID) died: $(tail -n 20 "$PGLVSD_LOG")"; }
# no_false_removal MARK NAME: NAME, a healthy replica, was never taken out since MARK.
no_false_removal() {
  if logged_since "$1" "^MESSAGE=$2 .* (is draining|left the pool)"; then
    fail "$2, healthy all along, was taken out: $(tail -n +"$1" "$LAB/journal.log" | grep -aE "^MESSAGE=$2 .*(is draining|left the pool)" | head -1)"
  fi
}

# pg_signal N SIGNAL: the signal to node N's postmaster, then to every process it forked (SIGSTOP
# freezes the server with its connections open: probes and queries to it go unanswered).
pg_signal() {
  local postmaster
  postmaster=$(head -1 "$LAB/node$1/data/postmaster.pid")
  # shellcheck disable=SC2046
  kill -"$2" "$postmaster" $(ps -o pid= --ppid "$postmaster")
}

# thaw_replica N LABEL: SIGCONT to frozen node N; the pool must be right again (noted for LABEL).
thaw_replica() {
  local thawed
  thawed=$(now)
  pg_signal "$1" CONT
  wait_until "node$1 back in the pool" 30 pool_right
  figure "$2: pool right $(seconds "$thawed" "$(now)")s after node$1's SIGCONT"
}

log "network: director + node1..node3 + client + a DNS server that never answers, on bridge lan"
lab_network
for n in 1 2 3; do add_node "$n"; done
add_host dns 10.0.0.53

log "PostgreSQL 15: node1 primary (writer VIP $WRITER_VIP), node2 and node3 streaming replicas"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 30 streaming_is 1 "node2,node3"

write_passfile
# The same password three ways, so the storm also replaces the writer and the probes' credentials
# while a probe hangs: passfile a, passfile b, writer.password_file.
cp "$LAB/pgpass" "$LAB/pgpass-b" || fail "cannot copy the passfile"
(umask 077; printf '%s\n' "$LAB_PASSWORD" > "$LAB/password") || fail "cannot write the password file"
# chaos-a.yaml is the running configuration; the reload storm alternates it with b and c.
chaos_config() {
  cat <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd ${5} connect_timeout=2"
  timeout: 1s
${6:-}
poll_interval: ${1}
probe_timeout: ${2}
watch_idle_probes: ${3}
state_directory: $LAB/state
runtime_directory: $LAB/run
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: wrr
    forwarding: dr
    default_weight: 1
    weights:
      node2: ${4}
      node3: 3
YAML
}
chaos_config 500ms 500ms true 2 "passfile=$LAB/pgpass" > "$LAB/chaos-a.yaml"
chaos_config 400ms 300ms false 5 "passfile=$LAB/pgpass-b" > "$LAB/chaos-b.yaml"
chaos_config 700ms 800ms true 4 "" "  password_file: $LAB/password" > "$LAB/chaos-c.yaml"
for variant in a b c; do
  "$PGLVSD" check-config -c "$LAB/chaos-$variant.yaml" >/dev/null || fail "check-config rejected chaos-$variant.yaml"
done
cp "$LAB/chaos-a.yaml" "$LAB/pglvsd.yaml"
WATCHDOG_SECONDS=$(( $(unit_watchdog_usec) / 1000000 ))
FALL=2 POLL=0.5 PROBE_TIMEOUT=0.5

log "starting pglvsd (NOTIFY_SOCKET entries timed per process; WatchdogSec=${WATCHDOG_SECONDS}s as the unit sets)"
start_notify_listener
start_pglvsd "$LAB/pglvsd.yaml" journal
wait_until "node2 (2) and node3 (3) in the pool" 20 pool_right
wait_until "READY=1" 10 grep -q "^READY=1" "$LAB/notify.log"
show_pool

# --- (c) a replica frozen --------------------------------------------------------------------
log "(c) node3 frozen (SIGSTOP of its postmaster and backends): its probe goes unanswered"
mark=$(journal_mark)
stopped=$(now)
pg_signal 3 STOP
wait_until "node3 out of rotation" 15 serving_is "$N2 2"
departed=$(journal_time "^MESSAGE=node3 .* (is draining|left the pool)" "$mark")
[ -n "$departed" ] || fail "no departure of node3 in the journal"
LEAVE_SECONDS=$(seconds "$stopped" "$departed")
# fall observations, each at most a probe timeout, a poll interval apart at most; 1.5 s for the lab.
LEAVE_BOUND=$(echo "$FALL * ($PROBE_TIMEOUT + $POLL) + 1.5" | bc)
[ "$(echo "$LEAVE_SECONDS <= $LEAVE_BOUND" | bc)" = 1 ] \
  || fail "node3 left ${LEAVE_SECONDS}s after it froze (bound: fall x (probe_timeout + poll_interval) + 1.5s = ${LEAVE_BOUND}s)"
figure "(c) frozen replica: left the pool ${LEAVE_SECONDS}s after SIGSTOP (bound ${LEAVE_BOUND}s): $(tail -n +"$mark" "$LAB/journal.log" | grep -aoE '^MESSAGE=node3 .* (is draining|left the pool).*' | head -1 | cut -c9-)"
thaw_replica 3 "(c) frozen replica"
no_false_removal "$mark" node2
alive
pass "(c) a frozen replica leaves within fall x (probe_timeout + poll_interval) and returns after SIGCONT; node2 untouched"

# --- (b) the writer frozen ---------------------------------------------------------------------
log "(b) node1, the writer, frozen for 4 s (writer.timeout is 1 s): fail-static must hold the pool"
mark=$(journal_mark)
pg_signal 1 STOP
frozen_until=$(echo "$(now) + 4" | bc)
while [ "$(echo "$(now) < $frozen_until" | bc)" = 1 ]; do
  pool_right || { pg_signal 1 CONT; fail "the pool changed while the writer was frozen: $(kernel_pool | tr '\n' ' ')"; }
  sleep 0.2
done
logged_since "$mark" "^MESSAGE=writer unreachable.*keeping the read pools" \
  || { pg_signal 1 CONT; fail "pglvsd never reported the frozen writer unreachable (fail-static)"; }
thawed=$(now)
pg_signal 1 CONT
writer_back() { logged_since "$mark" "^MESSAGE=writer reachable again"; }
wait_until "the writer reachable again" 15 writer_back
pool_right || fail "the pool is wrong after the writer came back: $(kernel_pool | tr '\n' ' ')"
figure "(b) frozen writer: the pool held all along (sampled every 0.2 s); writer reachable again $(seconds "$thawed" "$(journal_time "^MESSAGE=writer reachable again" "$mark")")s after SIGCONT, pool right throughout"
no_false_removal "$mark" node2
no_false_removal "$mark" node3
alive
pass "(b) a writer frozen beyond writer.timeout: fail-static held the pool, then the writer's view returned"

# --- (a) a reload storm while a replica is frozen ------------------------------------------------
STORM=100
log "(a) $STORM SIGHUPs, alternating poll interval, probe timeout, idle watching, a weight and the writer's credentials (passfile a, passfile b, password_file), while node3 is frozen"
mark=$(journal_mark)
pg_signal 3 STOP
storm_started=$(now)
# One process sends the storm (a shell loop forking cp, kill and grep in the guest takes 0.4 s a
# signal): the configuration is replaced atomically, as an editor or configuration manager does,
# then SIGHUP; signals of one kind coalesce while pending, so the next goes once the journal shows
# this one taken (bounded: 2 s each). The last file is chaos-a.yaml.
python3 - "$PGLVSD_PID" "$LAB" "$LAB/journal.log" "$STORM" <<'PY' || fail "the reload storm stopped: pglvsd gone or a SIGHUP not taken"
import os, shutil, signal, sys, time
pid, lab, journal, storm = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
offset = os.path.getsize(journal)
for i in range(1, storm + 1):
    variant = "a" if i == storm else "abc"[i % 3]
    shutil.copyfile(f"{lab}/chaos-{variant}.yaml", f"{lab}/pglvsd.yaml.new")
    os.replace(f"{lab}/pglvsd.yaml.new", f"{lab}/pglvsd.yaml")
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + 2
    while True:
        with open(journal, "rb") as log:
            log.seek(offset)
            if log.read().count(b"\nMESSAGE=SIGHUP: reloading") >= i:
                break
        if time.monotonic() > deadline:
            sys.exit(f"SIGHUP {i} was not taken within 2 s")
        time.sleep(0.005)
PY
storm_ended=$(now)
all_reloaded() { [ "$(tail -n +"$mark" "$LAB/journal.log" | grep -ac '^MESSAGE=reloaded ')" -ge "$STORM" ]; }
wait_until "all $STORM reloads applied" 10 all_reloaded
wait_until "node2 alone serving at weight 2 (node3 frozen)" 15 serving_is "$N2 2"
figure "(a) reload storm: $STORM SIGHUPs in $(seconds "$storm_started" "$storm_ended")s; pool right (node2 at 2, frozen node3 out) $(seconds "$storm_ended" "$(now)")s after the last"
if logged_since "$mark" "^MESSAGE=reload rejected"; then fail "a reload of a valid file was rejected: $(tail -n +"$mark" "$LAB/journal.log" | grep -a '^MESSAGE=reload rejected' | head -1)"; fi
storm_gap=$(watchdog_gaps "$storm_started" "$(now)" | cut -d' ' -f1)
figure "(a) reload storm: longest wait for WATCHDOG=1 during it ${storm_gap}s"
thaw_replica 3 "(a) reload storm"
no_false_removal "$mark" node2
alive
pass "(a) $STORM reloads while a probe hung: every one applied, the loop kept deciding, the pool ended right"

# --- (d) a DNS server that never answers ---------------------------------------------------------
log "(d) a WAL receiver named ghost.chaos streams from the writer; DNS goes to 10.0.0.53, which never answers"
ip netns exec dns python3 -c '
import socket, sys
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.bind(("0.0.0.0", 53))
with open(sys.argv[1], "ab", buffering=0) as log:
    while True:
        log.write(sink.recv(4096) + b"\n")' "$LAB/dns-queries" &
DNS_SINK=$!
printf 'nameserver 10.0.0.53\n' > "$LAB/resolv.conf"
mount --bind "$LAB/resolv.conf" /etc/resolv.conf
mkdir -p "$LAB/ghost-wal"
mark=$(journal_mark)
dns_started=$(now)
ip netns exec client "$PG_BIN/pg_receivewal" -D "$LAB/ghost-wal" \
  -d "host=$WRITER_VIP port=$READ_PORT user=replicator application_name=ghost.chaos" >"$LAB/ghost.log" 2>&1 &
GHOST=$!
ghost_streaming() { [ "$(psql_at 1 "select count(*) from pg_stat_replication where application_name = 'ghost.chaos'")" = 1 ]; }
wait_until "ghost.chaos in the writer's pg_stat_replication" 15 ghost_streaming
ghost_unresolved() { logged_since "$mark" "^MESSAGE=not serving: ghost.chaos: unresolved address"; }
wait_until "pglvsd reporting ghost.chaos unresolved" 10 ghost_unresolved
asked() { grep -aq "ghost" "$LAB/dns-queries"; }
wait_until "the resolver asking the dead DNS server for ghost.chaos" 10 asked
# 12 s: longer than one hung lookup (two 5 s tries); the pool must stay right all along.
dns_until=$(echo "$(now) + 12" | bc)
while [ "$(echo "$(now) < $dns_until" | bc)" = 1 ]; do
  pool_right || fail "the pool changed while DNS hung: $(kernel_pool | tr '\n' ' ')"
  sleep 0.2
done
dns_gap=$(watchdog_gaps "$dns_started" "$(now)" | cut -d' ' -f1)
kill "$GHOST"; wait "$GHOST" 2>/dev/null
umount /etc/resolv.conf
kill "$DNS_SINK"; wait "$DNS_SINK" 2>/dev/null
dns_ended=$(now)
# Cadence: a round every poll interval; a hung lookup must not stretch one.
[ "$(echo "$dns_gap < 2.5" | bc)" = 1 ] || fail "with DNS hung, WATCHDOG=1 waited ${dns_gap}s (the loop lost its cadence)"
wait_until "the pool right after the DNS fault" 10 pool_right
figure "(d) dead DNS: $(grep -ac ghost "$LAB/dns-queries") unanswered queries; longest wait for WATCHDOG=1 during it ${dns_gap}s; pool right throughout and $(seconds "$dns_ended" "$(now)")s after"
no_false_removal "$mark" node2
no_false_removal "$mark" node3
alive
pass "(d) a DNS server that never answers: the loop kept its cadence and the pool stayed right"

# --- (e) SIGKILL in the middle of a large apply, then a restart ----------------------------------
FOREIGN=3000
log "(e) $FOREIGN foreign real servers added by hand; pglvsd killed (SIGKILL) while it removes them, then restarted"
mark=$(journal_mark)
awk -v vip="$READER_VIP:$READ_PORT" -v n="$FOREIGN" 'BEGIN {
  for (i = 0; i < n; i++) printf "-a -t %s -r 10.0.%d.%d:5432 -g -w 1\n", vip, 1 + int(i / 250), 1 + i % 250 }' \
  | ipvsadm -R || fail "ipvsadm -R of the foreign real servers"
removing() { logged_since "$mark" "^MESSAGE=drift repaired .*: remove "; }
wait_until "pglvsd removing the foreign real servers" 15 removing
kill -9 "$PGLVSD_PID"; wait "$PGLVSD_PID" 2>/dev/null
killed=$(now)
foreign_left() { kernel_pool | grep -vc "^10\.0\.0\." ; }
left=$(foreign_left)
[ "$left" -lt "$FOREIGN" ] || fail "no foreign real server was removed before the kill"
[ "$left" -gt 0 ] || fail "pglvsd had removed all $FOREIGN foreign real servers before the kill: it was not killed mid-apply"
figure "(e) SIGKILL mid-apply: $left of $FOREIGN foreign real servers still in the kernel at the kill"
restarted=$(now)
start_pglvsd "$LAB/pglvsd.yaml" journal
wait_until "the restarted daemon's pool exactly node2 (2) and node3 (3)" 30 pool_right
figure "(e) SIGKILL mid-apply: restarted $(seconds "$killed" "$restarted")s after the kill; pool exactly right $(seconds "$restarted" "$(now)")s after the restart"
alive
pass "(e) killed mid-apply and restarted: the table was adopted and converged, nothing half-applied left"

# --- (f) the kernel table changed behind the daemon's back, and a kernel operation that fails -----
log "(f) the virtual service deleted by hand"
mark=$(journal_mark)
ipvsadm -D -t "$READER_VIP:$READ_PORT" || fail "ipvsadm -D"
deleted=$EPOCHREALTIME
wait_until "the service and its pool restored" 10 pool_right
figure "(f) service deleted by hand: pool right $(seconds "$deleted" "$(now)")s after"
repaired_within_two_cycles "(f) service deleted by hand" "$deleted" "$mark"
log "(f) the wrr scheduler unloaded with the service gone: adding the service back fails in the kernel"
# The kernel would load a missing scheduler (and in (g) ip_vs, by its netlink family's alias)
# through modprobe by itself: keep it from doing so, as on a director without the modules.
modprobe_helper=$(cat /proc/sys/kernel/modprobe)
echo /bin/false > /proc/sys/kernel/modprobe || fail "cannot turn module autoloading off"
mark=$(journal_mark)
unloaded() { ipvsadm -D -t "$READER_VIP:$READ_PORT" 2>/dev/null; rmmod ip_vs_wrr 2>/dev/null; }
wait_until "ip_vs_wrr unloaded" 10 unloaded
refused() { logged_since "$mark" "^MESSAGE=add virtual service TCP $READER_VIP:$READ_PORT: scheduler or persistence engine not found"; }
wait_until "the kernel's refusal logged, naming the operation" 10 refused
two_refusals() { [ "$(tail -n +"$mark" "$LAB/journal.log" | grep -ac "^MESSAGE=add virtual service TCP $READER_VIP:$READ_PORT: scheduler")" -ge 2 ]; }
wait_until "a second round refused too (the loop goes on)" 10 two_refusals
repair_mark=$(journal_mark)
insmod "/usr/lib/uml/modules/$(uname -r)/kernel/net/netfilter/ipvs/ip_vs_wrr.ko" || fail "insmod ip_vs_wrr"
loaded=$EPOCHREALTIME
wait_until "the service restored once the scheduler is back" 10 pool_right
repaired_within_two_cycles "(f) scheduler back" "$loaded" "$repair_mark"
figure "(f) kernel refusal ($(tail -n +"$mark" "$LAB/journal.log" | grep -a "^MESSAGE=add virtual service" | head -1 | cut -c9-)): pool right $(seconds "$loaded" "$(now)")s after the scheduler came back"
alive
pass "(f) hand deletions are repaired as drift; a kernel error is logged naming the operation and the next round repairs it"

# --- (g) ip_vs itself unloaded, then loaded again --------------------------------------------------
log "(g) ip_vs unloaded (its table and netlink family gone), then loaded again: the family comes back under a new id"
mark=$(journal_mark)
ipvs_family() { genl ctrl get name IPVS 2>/dev/null | sed -n 's/^[[:space:]]*ID: \(0x[0-9a-f]*\).*/\1/p'; }
old_family=$(ipvs_family)
[ -n "$old_family" ] || fail "genl cannot see the IPVS family"
# pglvsd adds the service back each round: flush and unload until the module goes.
ipvs_unloaded() {
  ipvsadm -C 2>/dev/null
  for module in $(awk '$1 ~ /^ip_vs_/ { print $1 }' /proc/modules); do rmmod "$module" 2>/dev/null; done
  rmmod ip_vs 2>/dev/null
  ! grep -q '^ip_vs ' /proc/modules
}
wait_until "ip_vs unloaded" 20 ipvs_unloaded
unavailable_logged() { [ "$(tail -n +"$mark" "$LAB/journal.log" | grep -ac '^MESSAGE=connect to the IPVS netlink family: the IPVS netlink family is not available')" -ge 2 ]; }
wait_until "two rounds logging IPVS missing (the loop goes on)" 10 unavailable_logged
repair_mark=$(journal_mark)
for module in ip_vs ip_vs_wrr; do
  insmod "/usr/lib/uml/modules/$(uname -r)/kernel/net/netfilter/ipvs/$module.ko" || fail "insmod $module"
done
loaded=$EPOCHREALTIME
new_family=$(ipvs_family)
wait_until "the service and its pool rebuilt once ip_vs is back" 10 pool_right
figure "(g) ip_vs unloaded and loaded again (netlink family $old_family -> $new_family): pool right $(seconds "$loaded" "$(now)")s after"
repaired_within_two_cycles "(g) ip_vs back" "$loaded" "$repair_mark"
echo "$modprobe_helper" > /proc/sys/kernel/modprobe
# Of the ip_vs modules only ip_vs and ip_vs_wrr are back: a step added after this one needs its own.
if [ "$new_family" != "$old_family" ]; then
  logged_since "$mark" "^MESSAGE=ip_vs was loaded again" || fail "the new family id was not logged"
fi
alive
pass "(g) ip_vs gone: logged each round, the loop went on; back under a new netlink family id: found again, the table rebuilt"

# --- over the whole run --------------------------------------------------------------------------
read -r longest longest_pid longest_at <<<"$(watchdog_gaps)"
figure "longest wait for WATCHDOG=1 over the whole run: ${longest}s (pid $longest_pid, ending $(seconds "$START_TIME" "$longest_at")s into the run); WatchdogSec=${WATCHDOG_SECONDS}s"
[ "$(echo "$longest < $WATCHDOG_SECONDS" | bc)" = 1 ] || fail "WATCHDOG=1 waited ${longest}s: systemd would have restarted pglvsd"
[ "$(grep -c . "$LAB/daemon-starts")" = 2 ] || fail "pglvsd was started $(grep -c . "$LAB/daemon-starts") times (expected 2: the start and the restart after SIGKILL)"
stop_pglvsd
if daemon_log | grep -aq "$LAB_PASSWORD"; then fail "the password appeared in pglvsd's log"; fi
pass "the password never appeared in pglvsd's log"

echo "===== chaos figures ====="
printf '%s\n' "${FIGURES[@]}"
echo "========================="
echo "lab: all chaos assertions passed in $(seconds "$START_TIME" "$(now)")s"
exit 0
