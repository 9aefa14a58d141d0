#!/bin/bash
# The seed's cluster for real: three nodes under Corosync 3 and Pacemaker 2.1 with the seed's
# resources (ocf:heartbeat:pgsql as a promotable clone, vip-master, vip-slave, and the project's
# lvsdr and lvsdr-realsvr as its Debian package installs them), node4 streaming from outside the
# cluster, and a client reading through the reader VIP all along. Pacemaker decides every
# promotion and every move; the script only makes the faults an operator or the network would.
# Each scenario reports: fault -> Pacemaker's action, fault -> read pool right, failed reads.
source "$LAB_DIR/lib.sh"
source "$LAB_DIR/cluster.sh"
# dpkg -i, a patched ocf-shellfuncs and a password file are for the throw-away root only.
if [ "$(findmnt -no FSTYPE /)" != overlay ]; then
  echo "scenario-pacemaker: / is not the lab's throw-away overlay (run it through lab.sh pacemaker)"
  exit 2
fi
trap 'save_logs; cp "$LAB/report" "$LAB_OUT/pacemaker-report.txt" 2>/dev/null' EXIT
# init.sh's deadline (LAB_SCENARIO_TIMEOUT) still ends with the cluster's state and logs.
trap 'fail "the scenario ran out of time (SIGTERM from init.sh)"' TERM
# Conditions here fork (kernel_pool, crm tools): polled twice a second, not ten times, they leave
# the guest's one CPU to the cluster being measured.
WAIT_POLL=0.5
: > "$LAB/report"
# report LINE: one line of the per-scenario figures (printed at the end, kept in LAB_OUT).
report() { echo "$*" >> "$LAB/report"; log "REPORT $*"; }
# Stop after scenario N (for working on the lab itself); the CI runs them all.
UNTIL=${LAB_PACEMAKER_UNTIL:-8}
done_if_until() { if [ "$1" -ge "$UNTIL" ]; then finish_scenario; fi; }
finish_scenario() {
  kill "$READER" "$SAMPLER" 2>/dev/null
  # UML paces the client: a connection takes far longer than in production, so outages below
  # are only as fine as this.
  report "client: $(wc -l < "$LAB/reads") reads attempted in $(awk 'NR == 1 { first = $1 } { last = $1 } END { printf "%.0f", last - first }' "$LAB/reads")s, $(grep -c ' ok ' "$LAB/reads") answered"
  echo "----- per-scenario figures -----"; cat "$LAB/report"
  echo "lab: all assertions passed"
  exit 0
}
addr() { echo "$(node_ip "$1"):$READ_PORT"; }

log "the package: dpkg -i $(basename "$PGLVSD_DEB")"
dpkg -i "$PGLVSD_DEB" >"$LAB/dpkg.log" 2>&1 || fail "dpkg -i: $(tail -5 "$LAB/dpkg.log")"
PGLVSD=/usr/bin/pglvsd
for agent in lvsdr lvsdr-realsvr; do
  [ -x "/usr/lib/ocf/resource.d/pglvsd/$agent" ] || fail "the package installed no ocf:pglvsd:$agent"
done
# Pacemaker 2.1.5's crm_attribute takes the word after a bare -p as its value, so the stock
# ocf_promotion_score (`crm_attribute -p -v ...`) fails and pgsql can never be promoted: the
# throw-away root gets a copy that names the resource (the host's file is untouched).
sed -i 's|crm_attribute -p \$@|crm_attribute -p "$OCF_RESOURCE_INSTANCE" $@|' /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs
grep -q 'crm_attribute -p "$OCF_RESOURCE_INSTANCE"' /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs \
  || fail "could not patch ocf_promotion_score in ocf-shellfuncs"
CLUSTER_PASSWORD_FILE=/etc/pglvsd-lab/password
mkdir -p /etc/pglvsd-lab
( umask 077; printf '%s\n' "$LAB_PASSWORD" > "$CLUSTER_PASSWORD_FILE" )
pass "$(dpkg-query -W pglvsd) installed: $PGLVSD and the OCF agents ocf:pglvsd:lvsdr, ocf:pglvsd:lvsdr-realsvr"

log "network: node1..node4 and a client on bridge lan; writer VIP $WRITER_VIP, reader VIP $READER_VIP"
cluster_network
mount -t tmpfs -o mode=0755 lab-nodes "$CLUSTER_NODES" 2>/dev/null || { mkdir -p "$CLUSTER_NODES"; mount -t tmpfs -o mode=0755 lab-nodes "$CLUSTER_NODES"; }
for n in 1 2 3; do start_node "$n"; done
log "nodes: node1..node3 each with its own mount, UTS and PID namespaces (init pids ${NODE_PID[1]} ${NODE_PID[2]} ${NODE_PID[3]})"

log "PostgreSQL 15 as the seed installs it: node1 initdb, node2 and node3 base backups, all stopped"
prepare_postgres

log "Corosync 3 (knet, token 2000 ms) and Pacemaker 2.1 on node1..node3"
cluster_started=$(now)
for n in 1 2 3; do start_corosync "$n"; done
for n in 1 2 3; do wait_until "corosync on node$n" 30 on_node "$n" corosync-cfgtool -s; done
for n in 1 2 3; do start_pacemaker "$n"; done
wait_until "a DC with quorum and node1..node3 online" 180 cluster_is_up
log "cluster up $(seconds "$cluster_started" "$(now)")s after Corosync started"
cib_configuration > "$LAB/cib-configuration.xml"
on_node 1 cibadmin --replace --scope configuration --xml-file "$LAB/cib-configuration.xml" \
  || fail "cibadmin could not load the seed's configuration"
configured=$(now)

# --- scenario 1 ---------------------------------------------------------------------------------
log "scenario 1: Pacemaker promotes one node, the others stream from the writer VIP; reads rotate over both replicas"
# holds_writer_vip N: node N's local addresses include the writer VIP (bash reads its fib_trie:
# no fork while the cluster starts, the slowest part of the run).
holds_writer_vip() {
  local line previous=
  while IFS= read -r line; do
    [[ $previous == *"|-- $WRITER_VIP" && $line == *"/32 host LOCAL"* ]] && return 0
    previous=$line
  done < "/proc/${NODE_PID[$1]}/net/fib_trie"
  return 1
}
one_primary() {
  local n holders=()
  for n in 1 2 3; do holds_writer_vip "$n" && holders+=("$n"); done
  [ ${#holders[@]} = 1 ] && PRIMARY=${holders[0]}
}
wait_until "a primary promoted by Pacemaker holding the writer VIP" 900 one_primary
promoted_after=$(seconds "$configured" "$(now)")
# The reading client, then the sampler (it reads the client's ARP entry through its pid).
start_reader
start_sampler
REPLICAS=$(for n in 1 2 3; do [ "$n" = "$PRIMARY" ] || echo "$n"; done | tr '\n' ' ')
set -- $REPLICAS; R1=$1; R2=$2
log "node$PRIMARY promoted and holds the writer VIP ${promoted_after}s after the configuration was loaded"
wait_until "pool = {node$R1, node$R2} on a director node" 300 serving_is "$(addr "$R1") 1" "$(addr "$R2") 1"
DIRECTOR=$(director)
pool_after=$(seconds "$configured" "$(now)")
[ "$DIRECTOR" = "$R1" ] || [ "$DIRECTOR" = "$R2" ] || fail "the director (lvsdr) runs on node$DIRECTOR, not on a replica"
show_pool
wait_until "reads through the reader VIP reach node$R1 and node$R2 (the director's own node among them)" 60 \
  reads_reach "$(now)" "node$R1" "node$R2"
# Connection counters move while the client reads: the table's other columns must agree.
ip netns exec "node$DIRECTOR" "$PGLVSD" ipvs list | awk '{ print $1, $2, $3, $4 }' > "$LAB/ours.txt" || fail "pglvsd ipvs list on node$DIRECTOR"
ip netns exec "node$DIRECTOR" ipvsadm -Ln | awk '{ print $1, $2, $3, $4 }' > "$LAB/theirs.txt" || fail "ipvsadm -Ln on node$DIRECTOR"
cmp -s "$LAB/ours.txt" "$LAB/theirs.txt" || fail "pglvsd ipvs list differs from ipvsadm -Ln on node$DIRECTOR: $(diff "$LAB/ours.txt" "$LAB/theirs.txt")"
pass "scenario 1: node$PRIMARY primary, director on node$DIRECTOR (itself a real server), pool {node$R1, node$R2}; reads reach $LAST_READERS"
report "1 start: configuration loaded -> promoted ${promoted_after}s, -> pool right ${pool_after}s (director on node$DIRECTOR, itself a real server: the kernel delivers locally; pglvsd's table equals ipvsadm's)"
done_if_until 1

# check_no_gap SCENARIO FROM TO: the pool never lacked a weighted server while its director stayed put.
check_no_gap() {
  local gaps
  kill -0 "$READER" 2>/dev/null || fail "scenario $1: the reading client died (its ARP entry names the director)"
  gaps=$(pool_gaps_with_director_in_place "$2" "$3")
  [[ $gaps != "no director"* ]] || fail "scenario $1: no director held the reader VIP and service at its start"
  [ -z "$gaps" ] || fail "scenario $1: the director's pool had no weighted server at $(head -3 <<<"$gaps" | tr '\n' ' ')"
}

# --- scenario 2 ---------------------------------------------------------------------------------
sync_and_async() {
  local a b
  a=$(pgsql_status "$R1"); b=$(pgsql_status "$R2")
  if [ "$a" = HS:sync ] && [ "$b" = HS:async ]; then SYNC=$R1; ASYNC=$R2; return 0; fi
  if [ "$a" = HS:async ] && [ "$b" = HS:sync ]; then SYNC=$R2; ASYNC=$R1; return 0; fi
  return 1
}
wait_until "the pgsql agent to mark one replica HS:sync and the other HS:async" 300 sync_and_async
log "scenario 2: node$PRIMARY (primary) loses its network; Pacemaker promotes the sync replica node$SYNC (director on node$DIRECTOR)"
fault=$(now)
ip link set "v-node$PRIMARY" down
wait_until "Pacemaker promotes node$SYNC and moves the writer VIP there" 400 writer_is "$SYNC"
action=$(now)
wait_until "the director on node$ASYNC with serving = {node$ASYNC}" 300 \
  eval 'director_is "$ASYNC" && serving_is "$(addr "$ASYNC") 1"'
right=$(now)
wait_until "reads reach node$ASYNC only" 60 reads_reach "$right" "node$ASYNC"
check_no_gap 2 "$fault" "$right"
moved=$([ "$DIRECTOR" = "$SYNC" ] && echo "the director moved node$DIRECTOR -> node$ASYNC" || echo "the director stayed on node$ASYNC")
report "2 primary node$PRIMARY cut off: -> writer VIP on node$SYNC (promoted) $(seconds "$fault" "$action")s, -> pool right $(seconds "$fault" "$right")s; reads: longest outage $(read_outage "$fault" "$right")s, $(failed_reads_between "$fault" "$right") failed; $moved"
OLD=$PRIMARY; PRIMARY=$SYNC; DIRECTOR=$ASYNC
pass "scenario 2: node$PRIMARY promoted by Pacemaker, serving {node$ASYNC}; reads reach $LAST_READERS"
done_if_until 2

# --- scenario 3 ---------------------------------------------------------------------------------
log "scenario 3: node$OLD comes back; the operator rewinds it (pg_rewind), removes the pgsql lock and cleans up"
ip link set "v-node$OLD" up
wait_until "node$OLD back in the membership" 180 node_online_seen_by "$PRIMARY" "$OLD"
quiet_postgres() { ! on_node "$OLD" test -e "$NODE_PGDATA/postmaster.pid"; }
wait_until "PostgreSQL stopped on node$OLD (Pacemaker stopped it when quorum went; the lock keeps it down)" 180 quiet_postgres
on_node_as_postgres "$OLD" "$PG_BIN/pg_rewind" --target-pgdata="$NODE_PGDATA" \
  --source-server="host=$WRITER_VIP port=$READ_PORT user=postgres dbname=postgres" >"$LAB/rewind.log" 2>&1 \
  || fail "pg_rewind on node$OLD: $(tail -5 "$LAB/rewind.log")"
on_node "$OLD" rm -f /var/lib/postgresql/tmp/PGSQL.lock
repaired=$(now)
on_node "$PRIMARY" crm_resource --cleanup -r msPostgresql -N "node$OLD" >"$LAB/cleanup.log" 2>&1 || fail "crm_resource --cleanup: $(cat "$LAB/cleanup.log")"
wait_until "Pacemaker starts pgsql on node$OLD" 400 postgres_on "$OLD"
action=$(now)
wait_until "serving = {node$OLD, node$ASYNC}" 300 serving_is "$(addr "$OLD") 1" "$(addr "$ASYNC") 1"
right=$(now)
wait_until "reads reach node$OLD and node$ASYNC" 60 reads_reach "$right" "node$OLD" "node$ASYNC"
check_no_gap 3 "$repaired" "$right"
report "3 node$OLD rewound and cleaned up: -> Pacemaker started its PostgreSQL $(seconds "$repaired" "$action")s, -> pool right $(seconds "$repaired" "$right")s; reads: longest outage $(read_outage "$repaired" "$right")s, $(failed_reads_between "$repaired" "$right") failed ($(grep -c . "$LAB/rewind.log") lines of pg_rewind output)"
pass "scenario 3: node$OLD rejoined as a replica; reads reach $LAST_READERS"
done_if_until 3

# --- scenario 4 ---------------------------------------------------------------------------------
# The replica that is not the director (the director's own failure is scenario 8).
CUT=$([ "$DIRECTOR" = "$OLD" ] && echo "$ASYNC" || echo "$OLD"); KEPT=$DIRECTOR
log "scenario 4: replica node$CUT loses its network, then gets it back"
fault=$(now)
ip link set "v-node$CUT" down
wait_until "serving = {node$KEPT}" 60 serving_is "$(addr "$KEPT") 1"
right=$(now)
wait_until "Pacemaker on node$PRIMARY sees node$CUT gone" 120 node_offline_seen_by "$PRIMARY" "$CUT"
action=$(now)
check_no_gap 4 "$fault" "$right"
# The cut-off node has no quorum: its own Pacemaker stops PostgreSQL (no-quorum-policy=stop).
wait_until "Pacemaker on node$CUT stops its PostgreSQL (no quorum)" 300 eval '! postgres_on "$CUT"'
stopped=$(now)
report "4a replica node$CUT cut off: -> out of the pool $(seconds "$fault" "$right")s, -> Pacemaker sees it gone $(seconds "$fault" "$action")s, -> its PostgreSQL stopped (no quorum) $(seconds "$fault" "$stopped")s; reads: longest outage $(read_outage "$fault" "$right")s, $(failed_reads_between "$fault" "$right") failed"
restored=$(now)
ip link set "v-node$CUT" up
wait_until "Pacemaker starts PostgreSQL on node$CUT again" 900 postgres_on "$CUT"
action=$(now)
wait_until "serving = {node$CUT, node$KEPT}" 300 serving_is "$(addr "$CUT") 1" "$(addr "$KEPT") 1"
right=$(now)
check_no_gap 4 "$restored" "$right"
# The race this lab found (cluster.sh, cib_configuration): a replica pooled while its reader VIP
# was gone from lo, so every read sent there timed out until Pacemaker restarted it (15 in a
# row). Once it is pooled, reads reach it; a read or two may still time out while UML is busy
# with the rejoin (the director is a real server too), not fifteen.
wait_until "reads reach node$CUT and node$KEPT" 120 reads_reach "$right" "node$CUT" "node$KEPT"
failed=$(failed_reads_between "$right" "$(now)")
[ "$failed" -le 2 ] || fail "scenario 4: $failed reads failed once node$CUT was back in the pool (pooled before its VIP was on lo?)"
failed=$(failed_reads_between "$restored" "$right")
report "4b replica node$CUT's network back: -> Pacemaker started its PostgreSQL $(seconds "$restored" "$action")s, -> back in the pool $(seconds "$restored" "$right")s; reads: longest outage $(read_outage "$restored" "$right")s, $failed failed"
pass "scenario 4: a replica cut off left the pool and came back with its network"
done_if_until 4

# --- scenario 5 ---------------------------------------------------------------------------------
log "scenario 5: node4, outside the cluster, streams from the writer VIP with application_name $(node_ip 4)"
in_node 4 sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
  net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
in_node 4 ip addr add "$READER_VIP/32" dev lo
mkdir -p "$LAB/node4"; chown postgres:postgres "$LAB/node4"
in_node_as_postgres 4 "$PG_BIN/pg_basebackup" -h "$WRITER_VIP" -U replicator -D "$LAB/node4/data" -X stream -c fast \
  >"$LAB/basebackup4.log" 2>&1 || fail "pg_basebackup node4: $(tail -5 "$LAB/basebackup4.log")"
# The pgsql agent's include lines name files of the cluster nodes only.
sed -i '/added by pgsql RA/d' "$LAB/node4/data/postgresql.conf"
follow_writer_vip 4 "$(node_ip 4)"
joined=$(now)
pg_start 4
wait_until "serving = {node$OLD, node$ASYNC, node4}" 60 \
  serving_is "$(addr "$OLD") 1" "$(addr "$ASYNC") 1" "$(addr 4) 1"
right=$(now)
wait_until "reads reach three replicas" 60 reads_reach "$right" "node$OLD" "node$ASYNC" node4
report "5 node4 started streaming: -> in the pool $(seconds "$joined" "$right")s (no Pacemaker action: outside the cluster); reads: longest outage $(read_outage "$joined" "$right")s, $(failed_reads_between "$joined" "$right") failed"
pass "scenario 5: node4 joined by itself; reads reach $LAST_READERS"
done_if_until 5

# --- scenario 6 ---------------------------------------------------------------------------------
log "scenario 6: an open session on node4, then node4's postmaster is killed"
# A precondition, not a check on pglvsd: rr over three servers with the reading client between,
# so 9 tries miss node4 about 2.6 % of the time; 24 tries, about 1 in 17,000.
for attempt in $(seq 24); do
  open_session
  session_query
  [ "${SESSION_BACKEND#* }" = node4 ] && break
  close_session
done
[ "${SESSION_BACKEND#* }" = node4 ] || fail "no session landed on node4 in 24 attempts"
fault=$(now)
pg_kill 4
wait_until "node4 out of the pool" 30 serving_is "$(addr "$OLD") 1" "$(addr "$ASYNC") 1"
right=$(now)
timeout 5 sh -c 'echo "select 1;" >"$1"' sh "$LAB/session.in" || true
session_lost() { grep -Eq "$LOST_CONNECTION" "$LAB/session.out"; }
wait_until "the open session reports the lost connection" 10 session_lost
kill "$SESSION_HOLDER" 2>/dev/null; rm -f "$LAB/session.in"
wait_until "new reads land on node$OLD and node$ASYNC only" 30 reads_reach "$(now)" "node$OLD" "node$ASYNC"
report "6 node4's postmaster killed: -> out of the pool $(seconds "$fault" "$right")s; reads: longest outage $(read_outage "$fault" "$right")s, $(failed_reads_between "$fault" "$right") failed; the open session got \"$(grep -Eo "$LOST_CONNECTION" "$LAB/session.out" | head -1)\", new reads reach $LAST_READERS"
pass "scenario 6: node4 killed: its session failed once, new connections land on $LAST_READERS"
pg_start 4
wait_until "node4 back in the pool" 60 serving_is "$(addr "$OLD") 1" "$(addr "$ASYNC") 1" "$(addr 4) 1"
done_if_until 6

# --- scenario 7 ---------------------------------------------------------------------------------
log "scenario 7: the seed's whitelist applied with crm_resource --set-parameter (a reload, not a restart)"
pid_before=$(lvsdr_pid "$DIRECTOR")
[ -n "$pid_before" ] || fail "no pglvsd pid file on the director node$DIRECTOR"
# A session on a whitelisted replica, open across the change.
# A precondition, not a check on pglvsd: rr over three servers with the reading client between,
# so 9 tries miss node4 about 2.6 % of the time; 24 tries, about 1 in 17,000.
for attempt in $(seq 24); do
  open_session
  session_query
  [ "${SESSION_BACKEND#* }" != node4 ] && break
  close_session
done
kept_on=${SESSION_BACKEND#* }
[ "$kept_on" != node4 ] || fail "no session landed off node4 in 9 attempts"
changed=$(now)
# weights first, then the default: at no moment is every server at weight 0.
on_node "$PRIMARY" crm_resource -r lvsdr --set-parameter weight_of_realservers --parameter-value "node1,1 node2,1 node3,1" \
  >>"$LAB/crm_resource.log" 2>&1 || fail "crm_resource --set-parameter weight_of_realservers: $(tail -3 "$LAB/crm_resource.log")"
on_node "$PRIMARY" crm_resource -r lvsdr --set-parameter default_weight --parameter-value 0 \
  >>"$LAB/crm_resource.log" 2>&1 || fail "crm_resource --set-parameter default_weight: $(tail -3 "$LAB/crm_resource.log")"
wait_until "node4 at weight 0, node$OLD and node$ASYNC at 1" 120 \
  pool_is "$(addr "$OLD") 1" "$(addr "$ASYNC") 1" "$(addr 4) 0"
right=$(now)
pid_after=$(lvsdr_pid "$DIRECTOR")
[ "$pid_after" = "$pid_before" ] || fail "pglvsd was restarted (pid $pid_before -> $pid_after): the change was not a reload"
session_query
[ "${SESSION_BACKEND#* }" = "$kept_on" ] || fail "the session open across the change moved from $kept_on to ${SESSION_BACKEND#* }"
close_session
wait_until "new reads never reach node4" 30 reads_reach "$(now)" "node$OLD" "node$ASYNC"
check_no_gap 7 "$changed" "$right"
report "7 whitelist by crm_resource --set-parameter: -> pool right $(seconds "$changed" "$right")s, pglvsd pid $pid_before kept (reload-agent), the session on $kept_on kept; reads: longest outage $(read_outage "$changed" "$right")s, $(failed_reads_between "$changed" "$right") failed"
pass "scenario 7: node4 at weight 0 by reload; the session on $kept_on survived; reads reach $LAST_READERS"
done_if_until 7

# --- scenario 8 ---------------------------------------------------------------------------------
NEXT=$([ "$DIRECTOR" = "$OLD" ] && echo "$ASYNC" || echo "$OLD")
log "scenario 8: the director's node node$DIRECTOR fails; Pacemaker moves vip-slave and lvsdr to node$NEXT"
fault=$(now)
ip link set "v-node$DIRECTOR" down
wait_until "the reader service on node$NEXT (lvsdr started there)" 300 director_is "$NEXT"
action=$(now)
wait_until "pool on node$NEXT = {node$NEXT 1, node4 0}" 120 pool_is "$(addr "$NEXT") 1" "$(addr 4) 0"
right=$(now)
wait_until "reads reach node$NEXT" 120 reads_reach "$right" "node$NEXT"
first_ok=$(first_ok_read_after "$fault")
report "8 director node$DIRECTOR cut off: -> lvsdr on node$NEXT $(seconds "$fault" "$action")s, -> pool right $(seconds "$fault" "$right")s; reads: outage $(seconds "$fault" "$first_ok")s (fault -> first success), $(failed_reads_between "$fault" "$first_ok") failed"
pass "scenario 8: the director moved to node$NEXT; reads reach $LAST_READERS"

log "pglvsd never logged the password; the agents' generated configuration names only its file"
# (grep -f: the password is not put on a command line even here.)
for place in "$(node_path 1 /var/log)" "$(node_path 2 /var/log)" "$(node_path 3 /var/log)" \
    "$(node_path 1 /run/resource-agents)" "$(node_path 2 /run/resource-agents)" "$(node_path 3 /run/resource-agents)" \
    "$LAB"/*.log "$LAB/reads" "$LAB/pool-timeline" "$LAB/cib-configuration.xml"; do
  if grep -rqaF -f "$CLUSTER_PASSWORD_FILE" "$place" 2>/dev/null; then
    fail "the password appeared in $place"
  fi
done
pass "the password appeared in no log, agent file or CIB of node1..node3 nor in the lab's own logs"
finish_scenario
