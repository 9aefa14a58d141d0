#!/bin/bash
# The seed's whole story, with its Pacemaker resource agents: lvsdr (delegating to pglvsd) on the
# director and lvsdr-realsvr on each replica, driven as Pacemaker drives them (OCF environment,
# start/monitor/reload/stop). Promotion and the writer VIP's move are done by this script where
# Pacemaker's pgsql agent would do them; there is no Pacemaker or Corosync in the lab.
# Each step is asserted against the kernel table and against what a client reads.
source "$LAB_DIR/lib.sh"
trap 'save_logs' EXIT
# The agent starts pglvsd with its log here; diagnostics and save_logs show it.
PGLVSD_LOG=$LAB/lvsdr-lvsdr.log
AGENTS=$LAB_DIR/../../../resource-agents
export OCF_ROOT=/usr/lib/ocf HA_RSCTMP=/run/resource-agents
mkdir -p "$HA_RSCTMP"

# ra AGENT ACTION [NAME=VALUE...]: one agent action with Pacemaker's environment; prints the rc.
ra() {
  local agent=$1 action=$2; shift 2
  ( export OCF_RESOURCE_INSTANCE=${agent}
    for assignment in "$@"; do export "OCF_RESKEY_$assignment"; done
    "$AGENTS/$agent" "$action" ) >>"$LAB/agents.log" 2>&1
  echo $?
}
ra_in_node() {  # ra_in_node N AGENT ACTION [NAME=VALUE...]
  local n=$1 agent=$2 action=$3; shift 3
  ( export OCF_RESOURCE_INSTANCE="$agent-node$n" HA_RSCTMP="$HA_RSCTMP/node$n"
    for assignment in "$@"; do export "OCF_RESKEY_$assignment"; done
    ip netns exec "node$n" "$AGENTS/$agent" "$action" ) >>"$LAB/agents.log" 2>&1
  echo $?
}
expect_rc() {  # expect_rc WHAT EXPECTED ACTUAL
  [ "$3" = "$2" ] || fail "$1: rc $3, expected $2 (agents.log: $(tail -5 "$LAB/agents.log" | tr '\n' ' '))"
}

# reads_through_vip COUNT: the cluster_name of COUNT new connections through the reader VIP.
reads_through_vip() {
  local i
  for i in $(seq "$1"); do
    ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
      -c "select current_setting('cluster_name') || ' ' || pg_is_in_recovery()::text || ' ' || pg_postmaster_start_time()" 2>&1
  done
}
# rotation_is COUNT NAME...: COUNT reads reach exactly these standbys, each at least once.
rotation_is() {
  local count=$1; shift
  local seen expected
  seen=$(reads_through_vip "$count" | awk '$2 == "true" { print $1 } $2 != "true" { print "BAD:" $0 }' | sort -u | tr '\n' ' ')
  expected=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
  LAST_ROTATION=$seen
  [ "$seen" = "$expected" ]
}

log "network: director + node1..node5 + client on bridge lan; PostgreSQL 15 as in the seed (wal_log_hints for pg_rewind)"
lab_network
for n in 1 2 3 4 5; do add_host "node$n" "$(node_ip "$n")"; echo "$(node_ip "$n") node$n" >> "$LAB/hosts"; done
PG_EXTRA_SETTINGS="full_page_writes = on
wal_log_hints = on
wal_receiver_timeout = 5s"

log "ocf-tester: lvsdr-realsvr in a spare node, then lvsdr on the director (a second VIP, its own pglvsd)"
ip netns exec node5 ocf-tester -n realsvr -o vip=10.0.0.201 "$AGENTS/lvsdr-realsvr" > "$LAB/ocf-tester-realsvr.log" 2>&1 \
  || fail "ocf-tester lvsdr-realsvr: $(cat "$LAB/ocf-tester-realsvr.log")"
pass "ocf-tester: $(tail -1 "$LAB/ocf-tester-realsvr.log")"

log "scenario 1: node1 primary, node2 sync replica, node3 async replica"
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
psql_at 1 "alter system set synchronous_standby_names = 'node2'" >/dev/null && psql_at 1 "select pg_reload_conf()" >/dev/null \
  || fail "synchronous_standby_names on node1"
sync_states() { psql_at 1 "select string_agg(application_name || '=' || sync_state, ',' order by application_name) from pg_stat_replication"; }
sync_ok() { [ "$(sync_states)" = "node2=sync,node3=async" ]; }
wait_until "node2 sync and node3 async on node1" 30 sync_ok
write_passfile
printf '%s\n' "$LAB_PASSWORD" > "$LAB/password"; chmod 600 "$LAB/password"
CONNINFO="host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd"
LVSDR_PARAMS=(vip="$READER_VIP" port="$READ_PORT" "virtual_service_options=-s rr" default_weight=1
  "weight_of_realservers=node1,1 node2,1 node3,1" "writer_conninfo=$CONNINFO" password_file="$LAB/password"
  poll_interval=500ms binary="$PGLVSD" state_directory="$LAB/state" logfile="$LAB/lvsdr")

ocf_tester_args=(-n lvsdr-tester -o vip=10.0.0.201 -o port=5432 -o "writer_conninfo=$CONNINFO" -o password_file="$LAB/password"
  -o binary="$PGLVSD" -o state_directory="$LAB/state" -o logfile="$LAB/ocf-tester")
"$LAB_DIR/../../CLI/ocf-tester-ocf11" "${ocf_tester_args[@]}" "$AGENTS/lvsdr" > "$LAB/ocf-tester-lvsdr.log" 2>&1 \
  || fail "ocf-tester lvsdr: $(cat "$LAB/ocf-tester-lvsdr.log")"
ipvsadm -Ln | grep -q "10.0.0.201:5432" && fail "ocf-tester's lvsdr left its virtual service behind: $(ipvsadm -Ln)"
pass "ocf-tester: $(tail -1 "$LAB/ocf-tester-lvsdr.log") (and its stop removed TCP 10.0.0.201:5432)"

expect_rc "lvsdr validate-all with a scheduler ipvsadm does not know" 6 \
  "$(ra lvsdr validate-all "${LVSDR_PARAMS[@]}" "virtual_service_options=-s fastest")"
expect_rc "lvsdr validate-all with an option pglvsd does not take" 6 \
  "$(ra lvsdr validate-all "${LVSDR_PARAMS[@]}" "virtual_service_options=-s rr -p 300")"
expect_rc "lvsdr validate-all without pglvsd" 5 "$(ra lvsdr validate-all "${LVSDR_PARAMS[@]}" binary=/nonexistent/pglvsd)"
expect_rc "lvsdr probe before start" 7 "$(ra lvsdr monitor "${LVSDR_PARAMS[@]}")"
pass "lvsdr validate-all: unknown scheduler and unsupported option rc 6 (configured), missing binary rc 5 (installed); probe rc 7"

for n in 1 2 3; do expect_rc "lvsdr-realsvr start on node$n" 0 "$(ra_in_node "$n" lvsdr-realsvr start vip="$READER_VIP")"; done
expect_rc "lvsdr start" 0 "$(ra lvsdr start "${LVSDR_PARAMS[@]}")"
expect_rc "lvsdr monitor" 0 "$(ra lvsdr monitor "${LVSDR_PARAMS[@]}")"
wait_until "pool = {node2, node3}" 20 pool_is "$(node_ip 2):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
show_pool
cross_check_ipvsadm
wait_until "reads through the reader VIP rotate over node2 and node3" 10 rotation_is 4 node2 node3
pass "scenario 1: pool {node2, node3}; reads through the reader VIP (DR) rotate over $LAST_ROTATION"

# The pool must never lose every weighted server from here on (sampled every 0.2 s).
sample_pool
touch "$LAB/watch-empty"

log "scenario 2: the primary loses its network; node2 is promoted and takes the writer VIP (by script)"
ip link set v-node1 down
lost=$(now)
in_node_as_postgres 2 "$PG_BIN/pg_ctl" -D "$LAB/node2/data" -w promote >/dev/null || fail "promote node2"
move_writer_vip 2
# Pacemaker would stop (or fence) the isolated old primary.
in_node_as_postgres 1 "$PG_BIN/pg_ctl" -D "$LAB/node1/data" -m fast -w stop >/dev/null || fail "stop node1"
wait_until "serving = {node3} (node2 promoted: out, or draining at weight 0)" 30 serving_is "$(node_ip 3):$READ_PORT 1"
log "serving {node3} $(seconds "$lost" "$(now)")s after node1 lost its network"
node3_follows() { [ "$(writer_streaming 2)" = node3 ]; }
wait_until "node3 streams from the new primary node2" 30 node3_follows
wait_until "reads through the reader VIP reach node3 only" 10 rotation_is 3 node3
expect_rc "lvsdr monitor after the failover" 0 "$(ra lvsdr monitor "${LVSDR_PARAMS[@]}")"
pass "scenario 2: node2 promoted takes no new reads; serving {node3}; reads reach $LAST_ROTATION"

log "scenario 3: the old primary is rewound with pg_rewind and rejoins as a replica"
ip link set v-node1 up
in_node_as_postgres 1 "$PG_BIN/pg_rewind" --target-pgdata="$LAB/node1/data" \
  --source-server="host=$WRITER_VIP port=$READ_PORT user=postgres dbname=postgres" > "$LAB/node1/rewind.log" 2>&1 \
  || fail "pg_rewind node1: $(tail -5 "$LAB/node1/rewind.log")"
# pg_rewind copied node2's configuration: node1's own settings go last, and it follows the writer VIP.
follow_writer_vip 1 node1
pg_start 1
wait_until "serving = {node1, node3}" 40 serving_is "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
wait_until "reads rotate over node1 and node3" 10 rotation_is 4 node1 node3
pass "scenario 3: node1 rewound ($(grep -c . "$LAB/node1/rewind.log") lines of pg_rewind output), streaming from node2, back in the pool; reads reach $LAST_ROTATION"

log "scenario 4: a replica's network goes down (node3), then comes back"
ip link set v-node3 down
cut=$(now)
wait_until "node3 out of rotation" 15 serving_is "$(node_ip 1):$READ_PORT 1"
log "node3 out $(seconds "$cut" "$(now)")s after its link went down"
ip link set v-node3 up
wait_until "node3 back" 40 serving_is "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
pass "scenario 4: a replica cut off leaves the pool and returns when its network does"

# replicas_are "ADDR:PORT W" ...: the pool apart from node2 (the primary now, which may still
# be draining at weight 0 while old read connections expire) is exactly these.
replicas_are() {
  local expected actual
  expected=$(printf '%s\n' "$@" | sort)
  actual=$(kernel_pool | grep -v "^$(node_ip 2):")
  [ "$expected" = "$actual" ] && ! kernel_pool | grep -q "^$(node_ip 2):$READ_PORT [1-9]"
}

log "scenario 5: a 4th replica outside the cluster manager (application_name $(node_ip 4)) streams from the writer VIP"
expect_rc "lvsdr-realsvr start on node4" 0 "$(ra_in_node 4 lvsdr-realsvr start vip="$READER_VIP")"
pg_replica 4 "$(node_ip 4)"
wait_until "node4 joins with default_weight" 30 \
  serving_is "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1" "$(node_ip 4):$READ_PORT 1"
wait_until "reads rotate over three replicas" 10 rotation_is 6 node1 node3 node4
pass "scenario 5: node4 joined by itself; reads (select pg_postmaster_start_time()) rotate over $LAST_ROTATION"

log "scenario 7: a static whitelist (default_weight=0, weight_of_realservers=\"node1,1 node2,1 node3,1\") by lvsdr reload"
WHITELIST=("${LVSDR_PARAMS[@]}" default_weight=0)
expect_rc "lvsdr reload (whitelist)" 0 "$(ra lvsdr reload "${WHITELIST[@]}")"
wait_until "node4 at weight 0" 10 \
  replicas_are "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1" "$(node_ip 4):$READ_PORT 0"
wait_until "reads never reach node4" 10 rotation_is 6 node1 node3
expect_rc "lvsdr monitor (whitelist)" 0 "$(ra lvsdr monitor "${WHITELIST[@]}")"
pass "scenario 7: the whitelist keeps node4 at weight 0; reads reach $LAST_ROTATION"

log "scenario 6: an open session on node4, then its postgres is killed"
# Only node4 weighted for a moment, so the session lands there; then back to default weights.
expect_rc "lvsdr reload (node4 only)" 0 "$(ra lvsdr reload "${LVSDR_PARAMS[@]}" default_weight=0 "weight_of_realservers=$(node_ip 4),1")"
wait_until "only node4 weighted" 10 \
  replicas_are "$(node_ip 1):$READ_PORT 0" "$(node_ip 3):$READ_PORT 0" "$(node_ip 4):$READ_PORT 1"
mkfifo "$LAB/session6.in"
sleep 3600 > "$LAB/session6.in" &
HOLDER=$!
ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
  < "$LAB/session6.in" > "$LAB/session6.out" 2>&1 &
SESSION=$!
exec 7>"$LAB/session6.in"
echo "select 'before ' || current_setting('cluster_name');" >&7
wait_until "the session answered from node4" 10 grep -q "^before node4" "$LAB/session6.out"
expect_rc "lvsdr reload (default weights)" 0 "$(ra lvsdr reload "${LVSDR_PARAMS[@]}")"
wait_until "default weights again" 10 \
  replicas_are "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1" "$(node_ip 4):$READ_PORT 1"
killed=$(now)
pg_kill 4
wait_until "node4 out of the pool" 10 replicas_are "$(node_ip 1):$READ_PORT 1" "$(node_ip 3):$READ_PORT 1"
log "node4 out $(seconds "$killed" "$(now)")s after its postgres was killed"
echo "select 'after ' || current_setting('cluster_name');" >&7
session_lost() { grep -Eq "$LOST_CONNECTION" "$LAB/session6.out"; }
wait_until "the open session reports the lost connection" 10 session_lost
exec 7>&-
kill "$HOLDER" 2>/dev/null
# The application reconnects through the reader VIP and lands on another replica.
again=$(ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
  -c "select current_setting('cluster_name')" 2>&1) || fail "reconnect through the reader VIP: $again"
case "$again" in node1|node3) ;; *) fail "the reconnected session reached '$again'" ;; esac
pass "scenario 6: node4 killed: the open session got \"$(grep -Eo "$LOST_CONNECTION" "$LAB/session6.out" | head -1)\", reconnected onto $again"

kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
[ -s "$LAB/pool-empty" ] && fail "the pool had no weighted server at times: $(head -3 "$LAB/pool-empty")"
pass "from the failover on, the pool always had a weighted server (sampled every 0.2 s)"

log "stop: lvsdr stop removes the virtual service (as the original agent did); lvsdr-realsvr stop clears lo"
expect_rc "lvsdr stop" 0 "$(ra lvsdr stop "${LVSDR_PARAMS[@]}")"
expect_rc "lvsdr monitor after stop" 7 "$(ra lvsdr monitor "${LVSDR_PARAMS[@]}")"
ipvsadm -Ln | grep -q "$READER_VIP:$READ_PORT" && fail "lvsdr stop left the virtual service: $(ipvsadm -Ln)"
expect_rc "lvsdr-realsvr stop on node3" 0 "$(ra_in_node 3 lvsdr-realsvr stop vip="$READER_VIP")"
in_node 3 ip -o addr show dev lo | grep -q "$READER_VIP" && fail "lvsdr-realsvr stop left the VIP on node3's lo"
[ "$(in_node 3 cat /proc/sys/net/ipv4/conf/all/arp_ignore)" = 0 ] || fail "lvsdr-realsvr stop did not restore arp_ignore"
pass "lvsdr stop removed TCP $READER_VIP:$READ_PORT; lvsdr-realsvr stop removed the VIP from lo and restored the ARP sysctls"
log "pglvsd's log (as the lvsdr agent ran it):"
sed 's/^/    /' "$LAB/lvsdr-lvsdr.log"
if grep -aq "$LAB_PASSWORD" "$LAB/lvsdr-lvsdr.log" "$LAB/agents.log" "$HA_RSCTMP"/pglvsd-lvsdr/*.yaml 2>/dev/null; then
  fail "the password appeared in pglvsd's log, the agents' output or the generated configuration"
fi
pass "the password (password_file) never appeared in logs, agent output or the generated configuration"
echo "lab: all assertions passed"
exit 0
