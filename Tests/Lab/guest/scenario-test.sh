#!/bin/bash
# End to end on a real kernel: replicas in pg_stat_replication become IPVS real servers.
# Asserts: every replica present with its configured weight; the primary never present; a
# replica whose postmaster is killed leaves; a new streaming replica joins.
source "$LAB_DIR/lib.sh"
trap 'save_logs' EXIT

log "IPVS kernel tests: every operation and field against the real kernel, cross-checked with ipvsadm"
run_kernel_tests
pass "IPVS module round-trips and kernel errors (IPVSKernelTests)"

log "network: director + node1..node4 + client on bridge lan"
lab_network
for n in 1 2 3 4; do add_node "$n"; done

log "PostgreSQL 15: node1 primary (writer VIP $WRITER_VIP), node2 and node3 streaming replicas"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 30 streaming_is 1 "node2,node3"
log "writer's pg_stat_replication: $(writer_streaming 1)"

write_passfile
cat > "$LAB/pglvsd.yaml" <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass connect_timeout=2"
poll_interval: 500ms
state_directory: $LAB/state
runtime_directory: $LAB/run
metrics_file: $LAB/pglvsd.prom
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: wrr
    forwarding: dr
    default_weight: 1
    max_lag_bytes: 4MB
    weights:
      node2: 2
      node3: 3
  # A second service with rules of its own: a pooler-style port, NAT to PostgreSQL's port.
  - name: bouncer
    address: $READER_VIP
    port: 6432
    forwarding: nat
    real_server_port: $READ_PORT
    scheduler: wlc
    default_weight: 4
    max_lag_bytes: 64MB
YAML
"$PGLVSD" check-config -c "$LAB/pglvsd.yaml" || fail "check-config rejected the lab configuration"

# Sample the table all along: the primary must never be a read real server, and once armed
# (from the failover on) the pool must never be without a weighted server.
sample_pool "$(node_ip 1)"

log "starting pglvsd"
started=$(now)
start_pglvsd "$LAB/pglvsd.yaml"
wait_until "node2 (weight 2) and node3 (weight 3) in the pool" 20 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
log "pool complete $(seconds "$started" "$(now)")s after start"
show_pool
cross_check_ipvsadm
wait_until "the second service (6432, NAT) holds node2 and node3 at weight 4" 10 \
  pool_of_is 6432 "$(node_ip 2):$READ_PORT Masq 4" "$(node_ip 3):$READ_PORT Masq 4"
pass "replicas present with configured weights (node2=2, node3=3), pglvsd ipvs list == ipvsadm -Ln"
pass "a second virtual service (TCP $READER_VIP:6432, NAT, wlc) keeps its own pool with its own rules"

# A read through the reader VIP lands on a hot standby (direct routing).
answer=$(ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
  -c "select pg_is_in_recovery() || ' ' || current_setting('cluster_name')" 2>&1) || fail "read through the reader VIP: $answer"
case "$answer" in
  "true node2"|"true node3") pass "a read through the reader VIP reached a standby ($answer)" ;;
  *) fail "read through the reader VIP answered '$answer'" ;;
esac
# The read moved the service's counters. The kernel publishes them from its estimator every
# 2 s, so wait for them to show, then both readers must agree.
stats_agree() {
  ours=$("$PGLVSD" ipvs list --stats) && theirs=$(ipvsadm -Ln --stats) && [ "$ours" = "$theirs" ] &&
    echo "$ours" | awk '/^TCP/ && $3 > 0 { found = 1 } END { exit !found }'
}
wait_until "pglvsd ipvs list --stats == ipvsadm -Ln --stats, with the read counted" 10 stats_agree
pass "counters after the read: pglvsd ipvs list --stats == ipvsadm -Ln --stats ($(echo "$ours" | awk '/^TCP/ {print $3 " conn, " $4 " packets in"}'))"

wait_until "READY=1 and WATCHDOG=1 on NOTIFY_SOCKET" 5 grep -q "WATCHDOG=1" "$LAB/notify.log"
grep -q "READY=1" "$LAB/notify.log" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$LAB/notify.log")"
grep -q "STATUS=reader 2/2 serving, bouncer 2/2 serving; writer reachable" "$LAB/notify.log" || fail "no pool STATUS on NOTIFY_SOCKET: $(cat "$LAB/notify.log")"
pass "sd_notify: READY=1, WATCHDOG=1 and STATUS=$(grep -ao 'STATUS=[^W]*' "$LAB/notify.log" | tail -1) seen by a NOTIFY_SOCKET listener"
status_output=$("$PGLVSD" status -c "$LAB/pglvsd.yaml") || fail "pglvsd status exited $?: $status_output"
grep -q "node2 $(node_ip 2):$READ_PORT weight 2 serving lag [0-9]* bytes since 20" <<<"$status_output" || fail "pglvsd status: $status_output"
grep -q "^pglvsd_pool_serving{pool=\"reader\",virtual_service=\"TCP $READER_VIP:$READ_PORT\"} 2$" "$LAB/pglvsd.prom" \
  || fail "metrics: $(cat "$LAB/pglvsd.prom")"
grep -q "^pglvsd_real_server_weight{.*real_server=\"$(node_ip 3):$READ_PORT\",name=\"node3\"} 3$" "$LAB/pglvsd.prom" \
  || fail "metrics: no weight for node3: $(cat "$LAB/pglvsd.prom")"
grep -q "^pglvsd_writer_up 1$" "$LAB/pglvsd.prom" || fail "metrics: writer not up"
pass "metrics textfile: pool size, per-server weight and lag, writer reachability, cycle counts"
pass "pglvsd status exits 0 and shows each member: $(grep -c serving <<<"$status_output") lines serving"

log "drift: a real server edited and another deleted by hand with ipvsadm"
ipvsadm -e -t "$READER_VIP:$READ_PORT" -r "$(node_ip 2):$READ_PORT" -g -w 9
ipvsadm -d -t "$READER_VIP:$READ_PORT" -r "$(node_ip 3):$READ_PORT"
wait_until "drift repaired" 5 pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
wait_until "the drift logged" 5 grep -q "drift repaired (the kernel table was changed outside pglvsd): add node3" "$PGLVSD_LOG"
pass "hand-made drift (ipvsadm -e, -d) repaired within a cycle and logged as drift"

log "SIGHUP with a broken configuration keeps the running one"
cp "$LAB/pglvsd.yaml" "$LAB/pglvsd.yaml.good"
printf 'writer: [\n' > "$LAB/pglvsd.yaml"
kill -HUP "$PGLVSD_PID"
wait_until "reload rejected in the log" 5 grep -q "reload rejected, keeping the running configuration" "$PGLVSD_LOG"
kill -0 "$PGLVSD_PID" || fail "pglvsd died on a bad reload"
pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" || fail "a rejected reload changed the pool"
sed 's/node2: 2/node2: 5/' "$LAB/pglvsd.yaml.good" > "$LAB/pglvsd.yaml"
kill -HUP "$PGLVSD_PID"
wait_until "node2 weight 5 after a good reload" 5 pool_is "$(node_ip 2):$READ_PORT 5" "$(node_ip 3):$READ_PORT 3"
cp "$LAB/pglvsd.yaml.good" "$LAB/pglvsd.yaml"
kill -HUP "$PGLVSD_PID"
wait_until "node2 weight 2 again" 5 pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
pass "SIGHUP: a bad file is rejected with its reason and the old config kept; a good one applies"

log "restart with a client session open through the reader VIP"
open_session
session_query
before=$SESSION_BACKEND
stop_started=$(now)
stop_pglvsd
stop_seconds=$(echo "$(now) - $stop_started" | bc)
[ "$(echo "$stop_seconds < 1" | bc)" = 1 ] || fail "pglvsd took ${stop_seconds}s to stop on SIGTERM"
grep -q "the IPVS table is left in place" "$PGLVSD_LOG" || fail "pglvsd did not leave the table on SIGTERM"
log "pglvsd stopped $(echo "$stop_seconds" | cut -c1-5)s after SIGTERM"
pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" || fail "the table changed when pglvsd stopped"
ipvsadm -e -t "$READER_VIP:$READ_PORT" -r "$(node_ip 2):$READ_PORT" -g -w 9
dry=$("$PGLVSD" once --dry-run -c "$LAB/pglvsd.yaml") || fail "pglvsd once --dry-run: $dry"
grep -q "would edit node2 $(node_ip 2):$READ_PORT weight 9 -> 2" <<<"$dry" || fail "once --dry-run did not plan the repair: $dry"
pool_is "$(node_ip 2):$READ_PORT 9" "$(node_ip 3):$READ_PORT 3" || fail "once --dry-run changed the kernel"
ipvsadm -e -t "$READER_VIP:$READ_PORT" -r "$(node_ip 2):$READ_PORT" -g -w 2
pass "pglvsd once --dry-run prints the operations it would apply and changes nothing"
: > "$LAB/notify.log"
start_pglvsd "$LAB/pglvsd.yaml" journal
wait_until "the restarted daemon is ready" 15 grep -q READY=1 "$LAB/notify.log"
pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" || fail "the restart changed the pool: $(kernel_pool)"
if grep -aqE '^MESSAGE=(kernel: |drift repaired)' "$LAB/journal.log"; then
  fail "the restarted daemon changed the kernel table instead of adopting it: $(grep -aE '^MESSAGE=(kernel: |drift repaired)' "$LAB/journal.log")"
fi
session_query
after=$SESSION_BACKEND
[ "$before" = "$after" ] || fail "the session changed backend across the restart: $before / $after"
close_session
pass "a client session through the reader VIP survived a daemon restart (backend $after)"

log "killing node3's postmaster (kill -9): the socket path"
mark=$(wc -l < "$LAB/journal.log")
killed=$(now)
pg_kill 3
wait_until "node3 out of the pool" 15 pool_is "$(node_ip 2):$READ_PORT 2"
seen=$(now)
stirred=$(journal_time "stirred while idle" "$mark")
known=$(journal_time "^MESSAGE=node3 .* left the pool: postmaster gone" "$mark")
[ -n "$known" ] || fail "no 'node3 left the pool: postmaster gone' entry in the journal"
SOCKET_PATH_SECONDS=$(seconds "$killed" "$known")
# The backend's FATAL reaches the open probe connection either while it is idle (the watch
# stirs) or while a probe is in flight (the probe fails with it): both are the socket path.
if [ -n "$stirred" ]; then how="the idle probe socket stirred $(seconds "$killed" "$stirred")s after the kill"; else how="the FATAL arrived on a probe in flight"; fi
log "socket path: $how; pglvsd logged node3 gone and out ${SOCKET_PATH_SECONDS}s after the kill; the lab saw the table change after $(seconds "$killed" "$seen")s"
show_pool
cross_check_ipvsadm
pass "a replica whose postmaster is killed leaves the pool at once (socket path, ${SOCKET_PATH_SECONDS}s)"

log "node4 starts streaming with application_name $(node_ip 4) (a literal IP, like the seed's 4th replica)"
joined=$(now)
pg_replica 4 "$(node_ip 4)"
wait_until "node4 (default weight 1) in the pool" 20 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 4):$READ_PORT 1"
log "node4 joined the pool $(seconds "$joined" "$(now)")s after its start was requested"
show_pool
cross_check_ipvsadm
pass "a new streaming replica joins the pool with default_weight"

log "node3 restarts and streams again"
restarted=$(now)
pg_start 3
wait_until "node3 back with weight 3" 30 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
log "node3 back in the pool $(seconds "$restarted" "$(now)")s after its restart was requested"
pass "a replica that comes back rejoins (after rise good observations)"

log "the poll path: idle probe sockets unwatched (watch_idle_probes: false, by SIGHUP), node3 killed again"
cp "$LAB/pglvsd.yaml" "$LAB/pglvsd.yaml.good"
printf 'watch_idle_probes: false\n' >> "$LAB/pglvsd.yaml"
mark=$(wc -l < "$LAB/journal.log")
kill -HUP "$PGLVSD_PID"
reload_applied() { [ -n "$(journal_time "^MESSAGE=reloaded" "$mark")" ]; }
wait_until "the reload applied" 5 reload_applied
node3_probed() { [ "$(psql_at 3 "select count(*) from pg_stat_activity where application_name = 'pglvsd-probe'")" = 1 ]; }
wait_until "node3's new probe connection open" 10 node3_probed
mark=$(wc -l < "$LAB/journal.log")
killed=$(now)
pg_kill 3
wait_until "node3 out of the pool" 15 pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 4):$READ_PORT 1"
known=$(journal_time "^MESSAGE=node3 .* left the pool: postmaster gone" "$mark")
[ -n "$known" ] || fail "no 'node3 left the pool: postmaster gone' entry in the journal"
[ -z "$(journal_time "stirred while idle" "$mark")" ] || fail "an unwatched socket reported the death"
POLL_PATH_SECONDS=$(seconds "$killed" "$known")
log "poll path: pglvsd logged node3 gone and out ${POLL_PATH_SECONDS}s after the kill (poll interval 0.5s)"
cp "$LAB/pglvsd.yaml.good" "$LAB/pglvsd.yaml"
kill -HUP "$PGLVSD_PID"
pg_start 3
wait_until "node3 back with weight 3" 30 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
pass "death to known: socket path ${SOCKET_PATH_SECONDS}s, poll path ${POLL_PATH_SECONDS}s"

log "maintenance: pglvsd drain node4 (weight 0 without editing the configuration)"
"$PGLVSD" drain -c "$LAB/pglvsd.yaml" "$(node_ip 4)" || fail "pglvsd drain"
wait_until "node4 at weight 0" 10 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 0"
"$PGLVSD" undrain -c "$LAB/pglvsd.yaml" "$(node_ip 4)" || fail "pglvsd undrain"
wait_until "node4 back at weight 1" 10 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
pass "pglvsd drain / undrain take a server out of rotation and back"

log "trust: node4's pg_hba.conf asks pglvsd for its password in clear text (a host on the allowed networks turned hostile)"
probe_tls() { psql_at 4 "select coalesce(string_agg(distinct s.ssl::text, ','), 'none') from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = 'pglvsd-probe'"; }
[ "$(probe_tls)" = true ] || fail "node4's probe connection is not over TLS (pg_stat_ssl.ssl: $(probe_tls))"
hba=$LAB/node4/data/pg_hba.conf
cp "$hba" "$LAB/node4-hba.good"
sed -i 's|^host all pglvsd 10.0.0.0/24 scram-sha-256$|host all pglvsd 10.0.0.0/24 password|' "$hba"
grep -q '^host all pglvsd 10.0.0.0/24 password$' "$hba" || fail "node4's pg_hba.conf line for pglvsd not found"
psql_at 4 "alter system set log_connections = on" >/dev/null || fail "log_connections on node4"
psql_at 4 "select pg_reload_conf()" >/dev/null || fail "reload node4"
switched=$(wc -l < "$LAB/node4/postgres.log")
mark=$(wc -l < "$LAB/journal.log")
# The open probe connection logged in by SCRAM before the switch: end it, so the next one asks anew.
psql_at 4 "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pglvsd-probe'" >/dev/null
wait_until "node4 out of the pool" 15 pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
refused() { [ -n "$(journal_time "^MESSAGE=not serving: $(node_ip 4): .*channel binding required" "$mark")" ]; }
wait_until "the refusal in pglvsd's journal" 10 refused
attempts=$(tail -n +"$switched" "$LAB/node4/postgres.log" | grep -c "connection received: host=10.0.0.1 " || true)
[ "$attempts" -ge 1 ] || fail "node4 saw no probe connection after the switch"
if tail -n +"$switched" "$LAB/node4/postgres.log" | grep -E 'user=pglvsd|user "pglvsd"'; then
  fail "node4 received a password from pglvsd (a login or a failed password check above)"
fi
log "node4 asked $attempts probe connection(s) for the password in clear text; none answered: $(daemon_log | grep -ao "channel binding required[a-z' ]*" | tail -1)"
cp "$LAB/node4-hba.good" "$hba"
psql_at 4 "select pg_reload_conf()" >/dev/null || fail "reload node4"
wait_until "node4 back once it asks for SCRAM again" 20 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
[ "$(probe_tls)" = true ] || fail "node4's new probe connection is not over TLS"
pass "$(daemon_log | grep -ao 'libpq [0-9.]* has no require_auth' | head -1 | cut -d' ' -f1-2): a replica asking for the password in clear text never gets it (channel binding), leaves the pool and comes back on SCRAM over TLS"

log "partition: node4's link to the LAN goes down"
mark=$(wc -l < "$LAB/journal.log")
ip link set "v-node4" down
cut=$(now)
node4_unreachable() { grep -q '"reason" : "probe failed' "$LAB/run/status.json" && grep -B1 '"reason" : "probe failed' "$LAB/run/status.json" | grep -q "$(node_ip 4)"; }
wait_until "node4 reported unreachable in pglvsd status" 10 node4_unreachable
log "node4 reported unreachable $(seconds "$cut" "$(now)")s after its link went down"
wait_until "node4 out of the pool" 15 pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
log "node4 left the pool $(seconds "$cut" "$(now)")s after its link went down"
failed=$(journal_time "^MESSAGE=not serving: $(node_ip 4): probe failed" "$mark")
left=$(journal_time "^MESSAGE=$(node_ip 4) .* (is draining|left the pool)" "$mark")
[ -n "$failed" ] && [ -n "$left" ] || fail "no probe failure or departure of node4 in the journal"
PARTITION_KNOWN=$(seconds "$cut" "$failed"); PARTITION_OUT=$(seconds "$cut" "$left")
log "journal: node4's probe failed ${PARTITION_KNOWN}s after the cut, node4 out of rotation ${PARTITION_OUT}s after it"
[ "$(echo "$PARTITION_KNOWN < 2" | bc)" = 1 ] || fail "node4 reported unreachable ${PARTITION_KNOWN}s after the cut (target: under 2 s)"
ip link set "v-node4" up
healed=$(now)
wait_until "node4 back after the link heals" 60 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
log "node4 back $(seconds "$healed" "$(now)")s after its link came back"
pass "a replica cut off the network is reported unreachable, leaves, and returns when the link heals"

log "lag: node3 pauses replay while the primary writes ~12 MB of WAL in steps the others keep up with"
psql_at 3 "select pg_wal_replay_pause()" >/dev/null || fail "pause replay on node3"
journal_mark=$(wc -l < "$LAB/journal.log")
others_caught_up() {
  [ "$(psql_at 1 "select count(*) from pg_stat_replication where application_name in ('node2', '$(node_ip 4)')
      and pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) < 1024 * 1024")" = 2 ]
}
psql_at 1 "create table lag_load (g int, filler text)" >/dev/null || fail "create lag_load"
for step in 1 2 3 4 5 6 7 8; do
  psql_at 1 "insert into lag_load select g, repeat('x', 150) from generate_series(1, 8000) g" >/dev/null \
    || fail "write load step $step on node1"
  wait_until "node2 and node4 caught up after write step $step" 20 others_caught_up
done
loaded=$(now)
wait_until "node3 out of the pool while lagging" 15 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 4):$READ_PORT 1"
log "node3 left $(seconds "$loaded" "$(now)")s after the last write; pglvsd said: $(daemon_log | grep -ao 'node3 [^ ]* .*lagging.*' | tail -1)"
daemon_log | grep -aq "lagging (bytes:" || fail "pglvsd did not log the lag reason"
if tail -n +"$journal_mark" "$LAB/journal.log" | grep -aE "^MESSAGE=(node2|$(node_ip 4)) .* (is draining|left the pool)"; then
  fail "a caught-up replica was removed while node3 lagged (a false removal)"
fi
psql_at 3 "select pg_wal_replay_resume()" >/dev/null || fail "resume replay on node3"
resumed=$(now)
wait_until "node3 back after catching up" 30 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1"
log "node3 back $(seconds "$resumed" "$(now)")s after replay resumed"
pass "a lagging replica leaves with its reason and returns once caught up"

log "failover: the writer VIP is gone for 6 s, then node1 stops, node2 is promoted and takes the VIP"
touch "$LAB/watch-empty"
in_node 1 ip addr del "$WRITER_VIP/24" dev eth0
vip_gone=$(now)
# The fault lasts 6 s (as measured against the seed's agent); the pool must hold meanwhile.
sleep 6
in_node_as_postgres 1 "$PG_BIN/pg_ctl" -D "$LAB/node1/data" -m immediate stop >/dev/null
in_node_as_postgres 2 "$PG_BIN/pg_ctl" -D "$LAB/node2/data" -w promote >/dev/null || fail "promote node2"
move_writer_vip 2
promoted=$(now)
log "node2 promoted and holds the writer VIP $(seconds "$vip_gone" "$promoted")s after the VIP vanished"
node2_unweighted() { ! kernel_pool | grep -q "^$(node_ip 2):$READ_PORT [1-9]"; }
wait_until "the promoted node2 takes no new reads" 6 node2_unweighted
log "node2 (now the primary) stopped taking reads $(seconds "$promoted" "$(now)")s after the promotion"
# node2 may stay at weight 0 while IPVS still holds a connection of it (quiesce: a read that
# went to it earlier lingers in TIME_WAIT for 2 minutes); it takes no new reads.
serving_after_failover() { serving_is "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1" && node2_unweighted; }
wait_until "serving = node3 (3) and node4 (1) under the new writer, node2 at most draining" 30 serving_after_failover
log "pool right $(seconds "$promoted" "$(now)")s after the promotion"
wait_until "the second service follows: node3 and node4 at weight 4" 15 \
  pool_of_is 6432 "$(node_ip 3):$READ_PORT Masq 4" "$(node_ip 4):$READ_PORT Masq 4"
wait_until "node3 and node4 streaming from node2" 30 streaming_is 2 "$(node_ip 4),node3"
rm -f "$LAB/watch-empty"
show_pool
cross_check_ipvsadm
if [ -s "$LAB/pool-empty" ]; then
  fail "the pool had no weighted server during the failover: $(wc -l < "$LAB/pool-empty") samples, first $(head -1 "$LAB/pool-empty")"
fi
pass "through the failover (writer VIP gone 6 s, promotion) the pool was never empty (sampled every 0.2s)"

log "cascade: node5 streams from node3, so the writer (node2) never lists it; discovery: cascade by SIGHUP"
sed -i 's/^    forwarding: dr$/    forwarding: dr\n    discovery: cascade/' "$LAB/pglvsd.yaml"
grep -q '^    discovery: cascade$' "$LAB/pglvsd.yaml" || fail "discovery: cascade not written into the reader service"
"$PGLVSD" check-config -c "$LAB/pglvsd.yaml" >/dev/null || fail "check-config rejected discovery: cascade"
mark=$(wc -l < "$LAB/journal.log")
kill -HUP "$PGLVSD_PID"
wait_until "the reload applied" 5 reload_applied
add_node 5
# The base backup comes from the writer (a standby refuses one: the lab's WAL is written with
# full_page_writes off); node5 then streams from node3, once node3 has what node5 starts from.
mkdir -p "$LAB/node5"; chown postgres:postgres "$LAB/node5"
in_node_as_postgres 5 "$PG_BIN/pg_basebackup" -h "$WRITER_VIP" -U replicator -D "$LAB/node5/data" -X stream -c fast \
  >"$LAB/node5/basebackup.log" 2>&1 || fail "pg_basebackup of node5: $(tail -5 "$LAB/node5/basebackup.log")"
follow_host 5 node5 "$(node_ip 3)"
backed_up=$(psql_at 2 "select pg_current_wal_lsn()")
node3_has_it() { [ "$(psql_at 3 "select pg_last_wal_receive_lsn() >= '$backed_up'")" = t ]; }
wait_until "node3 has received the WAL up to node5's backup ($backed_up)" 20 node3_has_it
cascade_started=$(now)
pg_start 5
node5_from_node3() { [ "$(writer_streaming 3)" = node5 ]; }
wait_until "node5 streaming from node3" 30 node5_from_node3
cascade_streaming=$(now)
[ "$(writer_streaming 2)" = "$(node_ip 4),node3" ] || fail "the writer lists more than node3 and node4: $(writer_streaming 2)"
wait_until "node5 (default weight 1) in the pool, found through node3" 20 \
  serving_is "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1" "$(node_ip 5):$READ_PORT 1"
cascade_joined=$(journal_time "^MESSAGE=node5 .* joined the pool" "$mark")
[ -n "$cascade_joined" ] || fail "no 'node5 joined the pool' in the journal"
CASCADE_JOIN=$(seconds "$cascade_started" "$cascade_joined")
CASCADE_JOIN_STREAMING=$(seconds "$cascade_streaming" "$cascade_joined")
log "node5 joined ${CASCADE_JOIN}s after its start was requested (the lab saw it stream from node3 ${CASCADE_JOIN_STREAMING}s before); the writer's pg_stat_replication: $(writer_streaming 2); node3's: $(writer_streaming 3)"
show_pool
pass "a replica streaming from a standby is found in the standby's pg_stat_replication and joins (${CASCADE_JOIN}s after its start)"

log "cascade: node3 refuses pglvsd (pg_hba reject) but keeps streaming to node5: node3 leaves, node5 stays on its own stream"
hba=$LAB/node3/data/pg_hba.conf
cp "$hba" "$LAB/node3-hba.good"
sed -i 's|^host all pglvsd 10.0.0.0/24 scram-sha-256$|host all pglvsd 10.0.0.0/24 reject|' "$hba"
grep -q '^host all pglvsd 10.0.0.0/24 reject$' "$hba" || fail "node3's pg_hba.conf line for pglvsd not found"
psql_at 3 "select pg_reload_conf()" >/dev/null || fail "reload node3"
psql_at 3 "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pglvsd-probe'" >/dev/null
mark=$(wc -l < "$LAB/journal.log")
wait_until "node3 out of the pool" 15 serving_is "$(node_ip 4):$READ_PORT 1" "$(node_ip 5):$READ_PORT 1"
cycles=$(metric pglvsd_reconcile_cycles_total)
ten_more_rounds() { [ "$(metric pglvsd_reconcile_cycles_total)" -ge $((${cycles:-0} + 10)) ]; }
wait_until "ten more rounds with node3 out" 20 ten_more_rounds
serving_is "$(node_ip 4):$READ_PORT 1" "$(node_ip 5):$READ_PORT 1" || fail "node5 did not keep its place: $(kernel_pool)"
[ "$(writer_streaming 3)" = node5 ] || fail "node5 no longer streams from node3"
if [ -n "$(journal_time "^MESSAGE=node5 .* (is draining|left the pool)" "$mark")" ]; then fail "node5 left while its own stream held"; fi
pass "node3 out (probe refused), node5 kept its place for 10 rounds on its own stream, listed by no standby pglvsd can read"

log "cascade: node3's postmaster killed: node5's own stream breaks, and it leaves"
cp "$LAB/node3-hba.good" "$hba"
mark=$(wc -l < "$LAB/journal.log")
killed=$(now)
pg_kill 3
wait_until "node5 out of the pool" 15 serving_is "$(node_ip 4):$READ_PORT 1"
node5_left=$(journal_time "^MESSAGE=node5 .* (is draining|left the pool)" "$mark")
[ -n "$node5_left" ] || fail "no departure of node5 in the journal"
reason=$(daemon_log | grep -ao "node5 [0-9.:]* \(is draining (weight 0)\|left the pool\): .*" | tail -1)
grep -q "WAL receiver" <<<"$reason" || fail "node5 left for another reason than its stream: $reason"
CASCADE_OUT=$(seconds "$killed" "$node5_left")
log "node5 out ${CASCADE_OUT}s after node3's kill: $reason"
pg_start 3
wait_until "node3 and node5 back" 60 \
  serving_is "$(node_ip 3):$READ_PORT 3" "$(node_ip 4):$READ_PORT 1" "$(node_ip 5):$READ_PORT 1"
pass "node3's death took node5 out because node5's own stream broke (${CASCADE_OUT}s); both back when node3 returned"

kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
if [ -s "$LAB/primary-seen" ]; then
  fail "a primary appeared in the pool: $(head -3 "$LAB/primary-seen")"
fi
pass "a primary was never in the pool (sampled every 0.2s)"

kill -0 "$PGLVSD_PID" 2>/dev/null || fail "pglvsd died during the scenario"
grep -aq "^PGLVSD_REAL_SERVER=$(node_ip 3):$READ_PORT" "$LAB/journal.log" || fail "no PGLVSD_REAL_SERVER field in the journal entries"
grep -aq "^PGLVSD_VIRTUAL_SERVICE=TCP $READER_VIP:$READ_PORT" "$LAB/journal.log" || fail "no PGLVSD_VIRTUAL_SERVICE field"
grep -aq "^PGLVSD_REASON=lagging (bytes:" "$LAB/journal.log" || fail "no PGLVSD_REASON field with the lag"
grep -aq "^PRIORITY=6" "$LAB/journal.log" || fail "no PRIORITY field"
grep -aq "^PGLVSD_WEIGHT=" "$LAB/journal.log" || fail "no PGLVSD_WEIGHT field"
pass "journald: entries with MESSAGE, PRIORITY, PGLVSD_REAL_SERVER, PGLVSD_VIRTUAL_SERVICE, PGLVSD_REASON seen on a journal socket ($(grep -ac '^MESSAGE=' "$LAB/journal.log") entries)"
status_output=$("$PGLVSD" status -c "$LAB/pglvsd.yaml") || fail "pglvsd status after the failover exited $?: $status_output"
stop_pglvsd
log "pglvsd log (stderr part, then journal MESSAGEs):"
sed 's/^/    /' "$PGLVSD_LOG"
grep -a '^MESSAGE=' "$LAB/journal.log" | sed 's/^/    /'
if daemon_log | grep -aq "$LAB_PASSWORD"; then fail "the password appeared in pglvsd's log"; fi
if grep -q "$LAB_PASSWORD" "$LAB/run/status.json"; then fail "the password appeared in the status file"; fi
if echo "$status_output" | grep -q "$LAB_PASSWORD"; then fail "the password appeared in pglvsd status"; fi
pass "the password never appeared in pglvsd's log, journal entries, status file or status output"

log "on_stop: remove deletes the daemon's own services, and only those"
ipvsadm -A -t 10.0.0.201:80 -s rr
# This run takes its password from writer.password_file instead of the passfile.
printf '%s\n' "$LAB_PASSWORD" > "$LAB/password"; chmod 600 "$LAB/password"
sed -e 's/^poll_interval: 500ms$/poll_interval: 500ms\non_stop: remove/' \
    -e "s| passfile=$LAB/pgpass||" -e "s|^  conninfo: |  password_file: $LAB/password\n  conninfo: |" \
    "$LAB/pglvsd.yaml" > "$LAB/pglvsd-remove.yaml"
grep -q passfile "$LAB/pglvsd-remove.yaml" && fail "the password_file run still names the passfile"
: > "$LAB/notify.log"
rm -f "$LAB/run/status.json"
start_pglvsd "$LAB/pglvsd-remove.yaml"
wait_until "ready" 15 grep -q READY=1 "$LAB/notify.log"
writer_answered() { grep -q '"reachable" : true' "$LAB/run/status.json" 2>/dev/null; }
wait_until "the writer answering pglvsd authenticated with writer.password_file" 15 writer_answered
stop_pglvsd
if daemon_log | grep -aq "$LAB_PASSWORD"; then fail "the password from password_file appeared in pglvsd's log"; fi
pass "writer.password_file authenticates the writer connection (scram-sha-256) and the password stays out of the log"
table=$(ipvsadm -Ln)
grep -q "$READER_VIP:" <<<"$table" && fail "on_stop: remove left the daemon's services: $table"
grep -q "TCP  10.0.0.201:80 rr" <<<"$table" || fail "on_stop: remove touched a service it does not own: $table"
pass "on_stop: remove deleted TCP $READER_VIP:5432 and :6432 and left TCP 10.0.0.201:80 alone"
echo "lab: all assertions passed"
exit 0
