#!/bin/bash
# The main job on the embedded default: a 1-primary/3-replica cluster with pglvsd following it,
# printing the kernel's IPVS table as replicas come and go.
source "$LAB_DIR/lib.sh"
trap 'save_logs' EXIT

table() { echo; log "$1"; "$PGLVSD" ipvs list | sed 's/^/    /'; echo; }

lab_network
for n in 1 2 3 4; do add_node "$n"; done
log "starting node1 (primary, writer VIP $WRITER_VIP) and replicas node2, node3"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
write_passfile
cat > "$LAB/pglvsd.yaml" <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass"
poll_interval: 1s
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: rr
    forwarding: dr
    default_weight: 1
    weights: { node2: 1, node3: 1 }
YAML
log "configuration:"; sed 's/^/    /' "$LAB/pglvsd.yaml"
start_pglvsd "$LAB/pglvsd.yaml"
wait_until "node2 and node3 in the pool" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
table "pglvsd is following the cluster: node2 and node3 are the read pool"

log "node4 starts streaming (not in any list: default_weight 1)"
pg_replica 4 node4
wait_until "node4 in the pool" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1" "$(node_ip 4):$READ_PORT 1"
table "node4 joined"

log "node3's postmaster is killed"
pg_kill 3
wait_until "node3 out of the pool" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 4):$READ_PORT 1"
table "node3 left"

log "node3 restarts and streams again"
pg_start 3
wait_until "node3 back" 30 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1" "$(node_ip 4):$READ_PORT 1"
table "node3 is back"

log "reads through the reader VIP rotate over the replicas:"
for i in 1 2 3 4 5 6; do
  ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
    -c "select 'answered by ' || current_setting('cluster_name') || ', in recovery: ' || pg_is_in_recovery()" 2>&1 | sed 's/^/    /'
done
stop_pglvsd
log "pglvsd's log:"; sed 's/^/    /' "$PGLVSD_LOG"
exit 0
