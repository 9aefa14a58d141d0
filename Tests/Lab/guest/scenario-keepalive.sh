#!/bin/bash
# Idle sessions through the reader VIP and the kernel settings pglvsd depends on (issue 17).
# With ipvs.timeouts.tcp: 20s set by pglvsd, two sessions opened together idle for 60 s: A, with
# the servers' keepalives at the OS default (7200 s), is reset on its next query; B, which set
# tcp_keepalives_idle = 5 in the session, answers from the same backend. pglvsd warned about
# each replica's 7200 s against the 20 s timeout, and about expire_nodest_conn=0, which
# check-config --kernel prints too. A timeout changed by hand is put back.
source "$LAB_DIR/lib.sh"
trap 'save_logs' EXIT
IDLE_SECONDS=60

log "network: director + node1..node3 + client on bridge lan"
lab_network
for n in 1 2 3; do add_node "$n"; done
log "PostgreSQL 15: node1 primary, node2 and node3 streaming replicas"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 30 streaming_is 1 "node2,node3"

# The setting whose consequence pglvsd must name (lab_network sets the recommended 1).
sysctl -qw net.ipv4.vs.expire_nodest_conn=0
write_passfile
cat > "$LAB/pglvsd.yaml" <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass connect_timeout=2"
poll_interval: 500ms
state_directory: $LAB/state
runtime_directory: $LAB/run
ipvs:
  timeouts: {tcp: 20s}
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: rr
    forwarding: dr
YAML
kernel_check=$("$PGLVSD" check-config --kernel -c "$LAB/pglvsd.yaml" 2>&1); status=$?
echo "$kernel_check" | sed 's/^/    /'
[ "$status" -eq 3 ] || fail "check-config --kernel exited $status with expire_nodest_conn=0 (expected 3)"
grep -qF "net.ipv4.vs.expire_nodest_conn = 0: sessions of a removed real server hang until their IPVS entry expires" <<<"$kernel_check" \
  || fail "check-config --kernel did not name expire_nodest_conn=0 and its consequence"
grep -qF "net.ipv4.vs.conn_reuse_mode = 1: OK" <<<"$kernel_check" || fail "check-config --kernel did not print conn_reuse_mode"
pass "check-config --kernel prints each IPVS setting with its value, and expire_nodest_conn=0 with its consequence (exit 3)"

log "starting pglvsd (ipvs.timeouts.tcp: 20s)"
start_pglvsd "$LAB/pglvsd.yaml"
wait_until "node2 and node3 in the pool" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
timeouts_are() { [ "$("$PGLVSD" ipvs list --timeout)" = "Timeout (tcp tcpfin udp): $1" ]; }
wait_until "the kernel's tcp timeout at 20 s" 10 timeouts_are "20 120 300"
[ "$(ipvsadm -Ln --timeout)" = "Timeout (tcp tcpfin udp): 20 120 300" ] || fail "ipvsadm disagrees: $(ipvsadm -Ln --timeout)"
grep -q "IPVS timeouts set as ipvs.timeouts says: tcp 900 s -> 20 s" "$PGLVSD_LOG" || fail "pglvsd did not log the timeout it set"
pass "pglvsd set the kernel's IPVS tcp timeout to 20 s ($("$PGLVSD" ipvs list --timeout)), and said so"
for n in 2 3; do
  warned() { grep -qF "node$1: sessions idle longer than 20 s through $READER_VIP:$READ_PORT are dropped silently by IPVS: node$1 sends its first TCP keepalive after 7200 s; set tcp_keepalives_idle below 20 on node$1 or raise ipvs.timeouts.tcp" "$PGLVSD_LOG"; }
  wait_until "the idle-session warning for node$n" 10 warned "$n"
  [ "$(grep -c "node$n: sessions idle longer than" "$PGLVSD_LOG")" = 1 ] || fail "the warning for node$n was logged more than once"
done
grep -F "node2: sessions idle longer than" "$PGLVSD_LOG" | sed 's/^/    /'
pass "pglvsd warned once per replica: keepalives after 7200 s against IPVS's 20 s"
grep -qF "kernel setting: net.ipv4.vs.expire_nodest_conn = 0: sessions of a removed real server hang until their IPVS entry expires" "$PGLVSD_LOG" \
  || fail "pglvsd did not warn about expire_nodest_conn=0 at start"
pass "pglvsd warned at start about expire_nodest_conn=0 and its consequence"

log "two sessions through the reader VIP, idle together for $IDLE_SECONDS s: A as the servers have it, B with tcp_keepalives_idle = 5"
ip netns exec client python3 "$LAB_DIR/idle-sessions.py" "$READER_VIP" "$IDLE_SECONDS" "$LAB/idle-sessions.out" \
  >"$LAB/idle-sessions.log" 2>&1 &
client=$!
opened() { grep -q '^idle-from ' "$LAB/idle-sessions.out" 2>/dev/null; }
wait_until "both sessions open" 20 opened
grep '^[AB] before ' "$LAB/idle-sessions.out" | sed 's/^/    /'
# (No process substitution: the guest has no /dev/fd.)
read -r _ _ a_pid a_node a_port a_keepalive <<<"$(grep '^A before ' "$LAB/idle-sessions.out")"
read -r _ _ b_pid b_node b_port b_keepalive <<<"$(grep '^B before ' "$LAB/idle-sessions.out")"
idle_from=$(sed -n 's/^idle-from //p' "$LAB/idle-sessions.out")
[ "$a_keepalive" = 7200 ] && [ "$b_keepalive" = 5 ] || fail "keepalives: A $a_keepalive (expected 7200), B $b_keepalive (expected 5)"
# The IPVS entry of a session, by its client port, in /proc/net/ip_vs_conn (read without forking).
vip_hex=$(printf '%02X' ${READER_VIP//./ })
port_hex=$(printf '%04X' "$READ_PORT")
has_entry() {  # CLIENT_PORT_HEX
  local line pattern="TCP * $1 $vip_hex $port_hex *"
  while read -r line; do [[ $line == $pattern ]] && return 0; done </proc/net/ip_vs_conn
  return 1
}
printf -v a_port "%04X" "$a_port"
printf -v b_port "%04X" "$b_port"
has_entry "$a_port" && has_entry "$b_port" || fail "no IPVS entries for the sessions: $(cat /proc/net/ip_vs_conn)"
no_entry() { ! has_entry "$1"; }
wait_until "session A's IPVS entry to expire" $((IDLE_SECONDS - 15)) no_entry "$a_port"
a_expired=$(seconds "$idle_from" "$(now)")
has_entry "$b_port" || fail "session B's IPVS entry expired too, though its server sends keepalives every 5 s"
log "session A's IPVS entry expired ${a_expired}s into the idle time; B's is still there"
finished() { ! kill -0 "$client" 2>/dev/null; }
wait_until "both sessions' queries after $IDLE_SECONDS s idle" $((IDLE_SECONDS + 30)) finished
cat "$LAB/idle-sessions.out" "$LAB/idle-sessions.log" | sed 's/^/    /'
a_result=$(grep '^A \(after\|failed\) ' "$LAB/idle-sessions.out")
b_result=$(grep '^B \(after\|failed\) ' "$LAB/idle-sessions.out")
case "$a_result" in
  "A failed "*) ;;
  *) fail "session A answered after $IDLE_SECONDS s idle through a 20 s IPVS timeout: $a_result" ;;
esac
grep -qiE "reset|closed" <<<"$a_result" || fail "session A failed otherwise than by a reset: $a_result"
a_failed_after=$(cut -d' ' -f3 <<<"$a_result")
[ "$b_result" = "B after $b_pid $b_node" ] || fail "session B did not answer from its backend ($b_pid on $b_node): $b_result"
has_entry "$b_port" || fail "session B's IPVS entry is gone after its query"
pass "idle $IDLE_SECONDS s through a 20 s IPVS timeout: A (keepalives after 7200 s) reset (entry gone after ${a_expired}s, query failed at ${a_failed_after}s), B (keepalives every 5 s) answered from the same backend $b_pid on $b_node"

log "drift: the tcp timeout set back to 900 s by hand (ipvsadm --set)"
mark=$(wc -l < "$PGLVSD_LOG")
ipvsadm --set 900 0 0
changed=$(now)
wait_until "pglvsd to put the tcp timeout back to 20 s" 15 timeouts_are "20 120 300"
back=$(seconds "$changed" "$(now)")
tail -n +"$mark" "$PGLVSD_LOG" | grep -qF "IPVS timeouts were changed outside pglvsd; put back as ipvs.timeouts says: tcp 900 s -> 20 s" \
  || fail "pglvsd did not log the timeout it put back"
pass "a timeout changed by hand is put back (${back}s later) and logged"

log "expire_nodest_conn set to 1, then SIGHUP: the warning clears; check-config --kernel agrees"
sysctl -qw net.ipv4.vs.expire_nodest_conn=1
kill -HUP "$PGLVSD_PID"
cleared() { grep -qF "kernel setting right now, was: net.ipv4.vs.expire_nodest_conn = 0" "$PGLVSD_LOG"; }
wait_until "the kernel-setting warning to clear on reload" 10 cleared
"$PGLVSD" check-config --kernel -c "$LAB/pglvsd.yaml" >"$LAB/kernel-check.out" 2>&1 \
  || fail "check-config --kernel exited $? with every setting right: $(cat "$LAB/kernel-check.out")"
grep -qF "net.ipv4.vs.expire_nodest_conn = 1: OK" "$LAB/kernel-check.out" || fail "check-config --kernel: $(cat "$LAB/kernel-check.out")"
pass "with expire_nodest_conn=1 the reload clears the warning and check-config --kernel exits 0"

kill -0 "$PGLVSD_PID" 2>/dev/null || fail "pglvsd died during the scenario"
stop_pglvsd
echo "keepalive figures: IPVS tcp timeout 20 s; session A (server keepalives after 7200 s): IPVS entry gone ${a_expired}s into the idle time, query reset at ${a_failed_after}s; session B (tcp_keepalives_idle 5): survived ${IDLE_SECONDS}s idle on backend $b_pid ($b_node); hand-set timeout put back after ${back}s" \
  | tee "$LAB_OUT/keepalive-report.txt"
echo "lab: all assertions passed"
exit 0
