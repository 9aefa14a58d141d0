#!/bin/bash
# A director pair (issue 17): director 1 (the root namespace, on the bridge itself) and director 2
# (namespace director2, its own IPVS table) both run pglvsd with the same pool. The reader VIP
# moves from director 1 to director 2 with a gratuitous ARP while a client session is open and
# idle. Without the IPVS sync daemon the session's next query is reset (director 2 knows no such
# connection); with ipvs.sync_daemon (master on director 1, backup on director 2, set and kept by
# pglvsd) it answers from the same backend, and new sessions keep rotating over the replicas.
source "$LAB_DIR/lib.sh"
trap 'save_logs; cp "$LAB/pglvsd2.log" "$LAB_OUT/logs/" 2>/dev/null' EXIT
SYNC_ID=7
D2=director2
in_d2() { ip netns exec "$D2" "$@"; }

extra_diagnostics() {
  echo "--- director 2: kernel table, connections, sync daemons ---"
  in_d2 ipvsadm -Ln 2>&1; in_d2 ipvsadm -Lnc 2>&1 | head -20; in_d2 ipvsadm -L --daemon 2>&1
  echo "--- director 1: connections, sync daemons ---"; ipvsadm -Lnc 2>&1 | head -20; ipvsadm -L --daemon 2>&1
  echo "--- director 2's pglvsd log ---"; tail -n 60 "$LAB/pglvsd2.log" 2>/dev/null
  echo "--- client session ---"; cat "$LAB/session.out" 2>/dev/null
}

log "network: director 1 + director 2 (10.0.0.2, own namespace and IPVS table) + node1..node3 + client on bridge lan"
lab_network
add_host "$D2" 10.0.0.2
in_d2 sysctl -qw net.ipv4.vs.expire_nodest_conn=1
for n in 1 2 3; do add_node "$n"; done
log "PostgreSQL 15: node1 primary, node2 and node3 streaming replicas"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 30 streaming_is 1 "node2,node3"

write_passfile
# director_config N SYNC: the same pool on both directors; SYNC is the ipvs: block or nothing.
director_config() {
  cat <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass connect_timeout=2"
poll_interval: 500ms
state_directory: $LAB/state$1
runtime_directory: $LAB/run$1
$2
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: rr
    forwarding: dr
YAML
}
director_config 1 "" > "$LAB/pglvsd.yaml"
director_config 2 "" > "$LAB/pglvsd2.yaml"
start_pglvsd "$LAB/pglvsd.yaml"
# Not through in_d2: a backgrounded function is a subshell, and $! would be its PID, not pglvsd's
# (ip netns exec execs the program).
ip netns exec "$D2" "$PGLVSD" run --config "$LAB/pglvsd2.yaml" >>"$LAB/pglvsd2.log" 2>&1 &
PGLVSD2_PID=$!
d2_pool() { in_d2 "$PGLVSD" ipvs list | awk '$1 == "->" && $2 ~ /^[0-9]/ { print $2, $4 }' | sort | tr '\n' ' '; }
wait_until "director 1's pool: node2 and node3" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
both_pools() { [ "$(d2_pool)" = "$(node_ip 2):$READ_PORT 1 $(node_ip 3):$READ_PORT 1 " ]; }
wait_until "director 2's pool: node2 and node3" 20 both_pools
pass "both directors keep the same pool in their own IPVS tables (director 2: $(d2_pool))"

# --- a client session and the VIP's move -------------------------------------------------------
# ask_session: one query on lib.sh's open session (open_session), without failing when the
# session is gone; its answer is "qN BACKEND_PID NODE CLIENT_PORT".
ask_session() {
  SESSION_QUERIES=$((SESSION_QUERIES + 1))
  timeout 5 sh -c 'echo "$1" >"$2"' sh \
    "select 'q$SESSION_QUERIES ' || pg_backend_pid() || ' ' || current_setting('cluster_name') || ' ' || inet_client_port();" \
    "$LAB/session.in" || fail "could not write to the client session: $(cat "$LAB/session.out")"
}
answered() { grep -q "^q$1 " "$LAB/session.out"; }
answer() { grep "^q$1 " "$LAB/session.out" | cut -d' ' -f2-; }
failed() { ! kill -0 "$SESSION" 2>/dev/null || grep -Eq "$LOST_CONNECTION|Connection reset by peer|connection to server was lost" "$LAB/session.out"; }
answered_or_failed() { answered "$1" || failed; }
# move_reader_vip 1|2: the reader VIP leaves one director for the other, announced by gratuitous ARP.
move_reader_vip() {
  if [ "$1" = 2 ]; then
    ip addr del "$READER_VIP/32" dev lan
    in_d2 ip addr add "$READER_VIP/32" dev eth0
    in_d2 arping -c 2 -U -I eth0 "$READER_VIP" >/dev/null 2>&1 || true
  else
    in_d2 ip addr del "$READER_VIP/32" dev eth0
    ip addr add "$READER_VIP/32" dev lan
    arping -c 2 -U -I lan "$READER_VIP" >/dev/null 2>&1 || true
  fi
}
# d2_knows PORT: director 2's connection table holds the client's connection from PORT.
d2_knows() { in_d2 ipvsadm -Lnc | grep -q " 10.0.0.50:$1 "; }

# session_across_the_move LABEL: opens a session on director 1, moves the VIP to director 2,
# asks again. Sets BEFORE (backend, node, port), AFTER (the answer or empty) and MOVE_SECONDS.
session_across_the_move() {
  open_session
  ask_session
  wait_until "$1: the session's first answer (through director 1)" 10 answered 1
  BEFORE=$(answer 1)
  local port=${BEFORE##* }
  [ "$2" = sync ] && wait_until "$1: director 2 learned the session's connection from the sync daemon" 15 d2_knows "$port"
  [ "$2" = sync ] || ! d2_knows "$port" || fail "$1: director 2 knows the connection without a sync daemon"
  local moved
  move_reader_vip 2
  moved=$(now)
  ask_session
  wait_until "$1: the session's second query answered or failed (through director 2)" 30 answered_or_failed 2
  MOVE_SECONDS=$(seconds "$moved" "$(now)")
  AFTER=$(answer 2)
  OUTCOME=$(grep -v '^q[0-9]' "$LAB/session.out" | tr '\n' ' ' | cut -c1-160)
  close_session
}

log "without a sync daemon: a session through director 1, then the VIP moves to director 2"
session_across_the_move "no sync" nosync
[ -z "$AFTER" ] || fail "without a sync daemon the session answered through director 2 ($AFTER): the lab cannot tell"
grep -Eq "$LOST_CONNECTION|Connection reset by peer|connection to server was lost" <<<"$OUTCOME" \
  || fail "without a sync daemon the session failed, but not by a lost connection: $OUTCOME"
pass "without a sync daemon the moved session is reset ${MOVE_SECONDS}s after the move: $OUTCOME (it had backend ${BEFORE%% *})"
NOSYNC_SECONDS=$MOVE_SECONDS; NOSYNC_OUTCOME=$OUTCOME
move_reader_vip 1

log "ipvs.sync_daemon by SIGHUP: master on director 1's lan, backup on director 2's eth0, syncid $SYNC_ID"
director_config 1 "ipvs: {sync_daemon: {role: master, interface: lan, syncid: $SYNC_ID}}" > "$LAB/pglvsd.yaml"
director_config 2 "ipvs: {sync_daemon: {role: backup, interface: eth0, syncid: $SYNC_ID}}" > "$LAB/pglvsd2.yaml"
"$PGLVSD" check-config -c "$LAB/pglvsd.yaml" >/dev/null || fail "check-config refused director 1's configuration"
kill -HUP "$PGLVSD_PID" "$PGLVSD2_PID"
d1_master() { ipvsadm -L --daemon | grep -q "^master sync daemon (mcast=lan, syncid=$SYNC_ID"; }
d2_backup() { in_d2 ipvsadm -L --daemon | grep -q "^backup sync daemon (mcast=eth0, syncid=$SYNC_ID"; }
wait_until "director 1's master sync daemon (ipvsadm -L --daemon)" 10 d1_master
wait_until "director 2's backup sync daemon" 10 d2_backup
[ "$("$PGLVSD" ipvs list --daemon)" = "$(ipvsadm -L --daemon)" ] || fail "pglvsd ipvs list --daemon differs from ipvsadm -L --daemon: $("$PGLVSD" ipvs list --daemon)"
[ "$(in_d2 "$PGLVSD" ipvs list --daemon)" = "$(in_d2 ipvsadm -L --daemon)" ] || fail "director 2: pglvsd ipvs list --daemon differs from ipvsadm"
grep -q "IPVS sync daemons as ipvs.sync_daemon says: start master sync daemon on lan (syncid $SYNC_ID)" "$PGLVSD_LOG" \
  || fail "director 1's pglvsd did not say it started the master"
pass "pglvsd started the sync daemons: $(ipvsadm -L --daemon) / $(in_d2 ipvsadm -L --daemon); pglvsd ipvs list --daemon == ipvsadm -L --daemon"

log "the master sync daemon stopped by hand (ipvsadm --stop-daemon master): pglvsd puts it back"
ipvsadm --stop-daemon master || fail "ipvsadm --stop-daemon master"
stopped=$(now)
wait_until "the master sync daemon back (read every 10 s)" 15 d1_master
grep -q "IPVS sync daemons were changed outside pglvsd; put back as ipvs.sync_daemon says: start master sync daemon on lan" "$PGLVSD_LOG" \
  || fail "pglvsd did not log the sync daemon it put back"
pass "a sync daemon stopped by hand was back $(seconds "$stopped" "$(now)")s later, and pglvsd said so"

log "with the sync daemon: a session through director 1, then the VIP moves to director 2"
session_across_the_move "sync" sync
[ -n "$AFTER" ] || fail "with the sync daemon the moved session failed: $OUTCOME"
[ "${AFTER%% *}" = "${BEFORE%% *}" ] || fail "the moved session answered from backend $AFTER, not $BEFORE"
pass "with the sync daemon the moved session answered from the same backend (${BEFORE% *} -> ${AFTER% *}) ${MOVE_SECONDS}s after the move"
SYNC_SECONDS=$MOVE_SECONDS

log "new sessions through director 2 rotate over the replicas"
seen=""
for i in 1 2 3 4; do
  node=$(ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres -c "select current_setting('cluster_name')" 2>&1) \
    || fail "a new session through director 2 failed: $node"
  seen="$seen $node"
done
grep -q node2 <<<"$seen" && grep -q node3 <<<"$seen" || fail "new sessions through director 2 reached only:$seen"
pass "four new sessions through director 2 reached:$seen"
log "figures: VIP moved with an idle session open: without sync reset after ${NOSYNC_SECONDS}s ($NOSYNC_OUTCOME); with sync the same backend answered ${SYNC_SECONDS}s after the move"
move_reader_vip 1
kill "$PGLVSD2_PID" 2>/dev/null
if grep -aq "$LAB_PASSWORD" "$PGLVSD_LOG" "$LAB/pglvsd2.log"; then fail "the password appeared in a director's log"; fi
echo "lab: all sync assertions passed"
