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
wait_until "node2 and node3 streaming from node1" 30 test "$(writer_streaming 1)" = "node2,node3"
log "writer's pg_stat_replication: $(writer_streaming 1)"

write_passfile
cat > "$LAB/pglvsd.yaml" <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass connect_timeout=2"
poll_interval: 500ms
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: wrr
    forwarding: dr
    default_weight: 1
    weights:
      node2: 2
      node3: 3
YAML
"$PGLVSD" check-config -c "$LAB/pglvsd.yaml" || fail "check-config rejected the lab configuration"

# Sample the table all along: the primary must never be a read real server.
( while :; do
    if "$PGLVSD" ipvs list 2>/dev/null | grep -q " $(node_ip 1):$READ_PORT "; then
      echo "primary seen at $(date +%s.%N)" >> "$LAB/primary-seen"
    fi
    sleep 0.2
  done ) &
SAMPLER=$!

log "starting pglvsd"
started=$(now)
start_pglvsd "$LAB/pglvsd.yaml"
wait_until "node2 (weight 2) and node3 (weight 3) in the pool" 20 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 3):$READ_PORT 3"
log "pool complete $(echo "$(now) - $started" | bc | cut -c1-5)s after start"
show_pool
cross_check_ipvsadm
pass "replicas present with configured weights (node2=2, node3=3), pglvsd ipvs list == ipvsadm -Ln"

# A read through the reader VIP lands on a hot standby (direct routing).
answer=$(ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
  -c "select pg_is_in_recovery() || ' ' || current_setting('cluster_name')" 2>&1) || fail "read through the reader VIP: $answer"
case "$answer" in
  "true node2"|"true node3") pass "a read through the reader VIP reached a standby ($answer)" ;;
  *) fail "read through the reader VIP answered '$answer'" ;;
esac
# The read moved the service's counters; pglvsd's --stats must read them as ipvsadm does.
ours=$("$PGLVSD" ipvs list --stats); theirs=$(ipvsadm -Ln --stats)
[ "$ours" = "$theirs" ] || fail "pglvsd ipvs list --stats differs from ipvsadm -Ln --stats:
$ours
---
$theirs"
echo "$ours" | awk '/^TCP/ && $3 > 0 { found = 1 } END { exit !found }' || fail "no connection counted on the reader service:
$ours"
pass "counters after the read: pglvsd ipvs list --stats == ipvsadm -Ln --stats ($(echo "$ours" | awk '/^TCP/ {print $3 " conn, " $4 " packets in"}'))"

log "killing node3's postmaster (kill -9)"
killed=$(now)
pg_kill 3
wait_until "node3 out of the pool" 15 pool_is "$(node_ip 2):$READ_PORT 2"
log "node3 left the pool $(echo "$(now) - $killed" | bc | cut -c1-5)s after the kill"
show_pool
cross_check_ipvsadm
pass "a replica whose postmaster is killed leaves the pool"

log "node4 starts streaming with application_name $(node_ip 4) (a literal IP, like the seed's 4th replica)"
joined=$(now)
pg_replica 4 "$(node_ip 4)"
wait_until "node4 (default weight 1) in the pool" 20 \
  pool_is "$(node_ip 2):$READ_PORT 2" "$(node_ip 4):$READ_PORT 1"
log "node4 joined the pool $(echo "$(now) - $joined" | bc | cut -c1-5)s after its start was requested"
show_pool
cross_check_ipvsadm
pass "a new streaming replica joins the pool with default_weight"

kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
if [ -s "$LAB/primary-seen" ]; then
  fail "the primary $(node_ip 1) appeared in the pool: $(head -3 "$LAB/primary-seen")"
fi
pass "the primary was never in the pool (sampled every 0.2s)"

kill -0 "$PGLVSD_PID" 2>/dev/null || fail "pglvsd died during the scenario"
stop_pglvsd
log "pglvsd log:"
sed 's/^/    /' "$PGLVSD_LOG"
if grep -q "$LAB_PASSWORD" "$PGLVSD_LOG"; then fail "the password appeared in pglvsd's log"; fi
pass "the password never appeared in pglvsd's log"
echo "lab: all assertions passed"
exit 0
