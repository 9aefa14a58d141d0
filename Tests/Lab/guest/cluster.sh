# Helpers of the Pacemaker lab (scenario-pacemaker.sh), sourced after lib.sh: three cluster nodes
# (cluster-node.sh), Corosync 3 over knet on the lab's bridge, Pacemaker 2.1, and the seed's
# resources and constraints (pha4pgsql's muti_with_lvs template) loaded with cibadmin.

CLUSTER_NODES=/srv/lab-nodes
CLUSTER_NODE_DIRS="etc/corosync var/lib/corosync var/lib/pacemaker var/lib/heartbeat var/lib/postgresql var/log var/lib/pglvsd-ocf"
PGSQL_RESOURCE=pgsql
declare -A NODE_PID

# Inside every cluster node (the per-node bind mounts of cluster-node.sh).
NODE_PGDATA=/var/lib/postgresql/data
NODE_PGSOCKET=/var/lib/postgresql/run
NODE_PGLOG=/var/log/postgresql/postgresql.log

# on_node N COMMAND...: COMMAND in node N's namespaces (network, mount, host name, processes).
on_node() {
  local n=$1; shift
  nsenter -t "${NODE_PID[$n]}" -m -u -n -p --wd=/ -- "$@"
}
on_node_as_postgres() { local n=$1; shift; on_node "$n" $AS_POSTGRES "$@"; }
# node_path N PATH: where node N's PATH is seen from the guest's own root.
node_path() { echo "$CLUSTER_NODES/node$1$2"; }

# start_node N: the node's directories (each a copy of what the packages installed, owners and
# modes kept), then its namespaces. Sets NODE_PID[N].
start_node() {
  local n=$1 home=$CLUSTER_NODES/node$1 dir unshare_pid
  for dir in $CLUSTER_NODE_DIRS; do
    mkdir -p "/$dir" "$home/$dir"
    case $dir in
      var/log|var/lib/postgresql) ;;  # the host's logs and database clusters stay out
      *) cp -a "/$dir/." "$home/$dir/" ;;
    esac
  done
  mkdir -p "$home/var/log/pacemaker" "$home/var/log/corosync" "$home/var/log/postgresql" \
    "$home/var/lib/postgresql/run" "$home/var/lib/postgresql/tmp" "$home/run/resource-agents" "$home/run/crm"
  chown hacluster:haclient "$home/var/log/pacemaker"
  chown -R postgres:postgres "$home/var/lib/postgresql" "$home/var/log/postgresql"
  # pg_basebackup copies postgresql.conf; the node's own settings stay in a file of the node.
  printf "cluster_name = 'node%s'\n" "$n" > "$home/var/lib/postgresql/node.conf"
  corosync_conf > "$home/etc/corosync/corosync.conf"
  CLUSTER_NODES=$CLUSTER_NODES ip netns exec "node$n" unshare --mount --uts --pid --fork --mount-proc \
    --propagation private bash "$LAB_DIR/cluster-node.sh" "$n" >"$LAB/cluster-node$n.log" 2>&1 &
  unshare_pid=$!
  wait_until "node$n's namespaces" 20 test -f "$LAB/cluster-node$n.ready"
  NODE_PID[$n]=$(pgrep -P "$unshare_pid" | head -1)
  [ -n "${NODE_PID[$n]}" ] || fail "node$n: no init process under unshare $unshare_pid"
}

# Token 2000 ms (not Corosync's 3000 ms default, nor the 1000 ms that works while idle): UML
# runs every node on one CPU and a busy moment must not look like a lost node.
corosync_conf() {
  cat <<CONF
totem {
    version: 2
    cluster_name: seed
    transport: knet
    crypto_cipher: none
    crypto_hash: none
    token: 2000
    token_coefficient: 0
    join: 50
}
nodelist {
$(for n in 1 2 3; do printf '    node {\n        ring0_addr: %s\n        name: node%s\n        nodeid: %s\n    }\n' "$(node_ip "$n")" "$n" "$n"; done)
}
quorum {
    provider: corosync_votequorum
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_stderr: no
    to_syslog: no
    timestamp: on
}
system {
    move_to_root_cgroup: no
    allow_knet_handle_fallback: yes
}
CONF
}

start_corosync() {
  on_node "$1" corosync || fail "corosync on node$1 did not start: $(tail -5 "$(node_path "$1" /var/log/corosync/corosync.log)")"
}

start_pacemaker() {
  local n=$1
  on_node "$n" env PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none \
    setsid pacemakerd </dev/null >>"$(node_path "$n" /var/log/pacemaker/pacemakerd.out)" 2>&1 &
}

# pgsql_status N: the pgsql agent's node attribute for node N (PRI, HS:sync, HS:async, ...).
pgsql_status() { on_node "${2:-1}" crm_attribute -l reboot -N "node$1" -n "$PGSQL_RESOURCE-status" -G -q 2>/dev/null; }
# node_online_seen_by A N: node A's Pacemaker sees node N online.
node_online_seen_by() { on_node "$1" crm_mon -1 2>/dev/null | grep -Eq "Online: \[.* node$2( |\])"; }
node_offline_seen_by() { ! node_online_seen_by "$@"; }
# postgres_on N: PostgreSQL runs on node N (its postmaster.pid exists; no fork, no Pacemaker call).
postgres_on() { [ -e "$(node_path "$1" "$NODE_PGDATA/postmaster.pid")" ]; }
# lvsdr_pid N: the pid of the pglvsd that the lvsdr agent started on node N.
lvsdr_pid() { cat "$(node_path "$1" /run/resource-agents/pglvsd-lvsdr/pglvsd.pid)" 2>/dev/null; }


# cluster_is_up: node1 sees a DC and all three nodes online, with quorum.
cluster_is_up() {
  local status
  status=$(on_node 1 crm_mon -1 2>/dev/null) || return 1
  grep -q "partition with quorum" <<<"$status" && grep -Eq "Online: \[ node1 node2 node3 \]" <<<"$status"
}

# The seed's Pacemaker configuration (pha4pgsql muti_with_lvs.pcs.template), with the project's
# agents as installed by its package (ocf:pglvsd:lvsdr, ocf:pglvsd:lvsdr-realsvr). Changes for
# the lab, each because UML runs three nodes on one slow-forking CPU: operation timeouts of 300 s
# (the pgsql agent forks hundreds of processes per action), pgsql monitors every 8 s (7 s
# promoted) instead of 4 s (3 s), xlog_check_count 1 instead of 3 (each check is a monitor of
# ~30 s here, and nothing writes during the lab's failovers: every standby has the same WAL), and
# load-threshold 3000% so Pacemaker does not throttle.
#
# One change to the seed's constraints, for a race this lab found: the seed colocates
# lvsdr-realsvr with unpromoted pgsql instances, so nothing orders the reader VIP on a replica's
# lo against its PostgreSQL. A replica that lost quorum had lvsdr-realsvr stopped (VIP gone from
# lo) while PostgreSQL still streamed; when its link came back the director pooled it again and
# every read sent there timed out (16 failed reads, 35 s) until Pacemaker finished stopping and
# restarting it. Here lvsdr-realsvr runs on every node and starts before PostgreSQL on the same
# node (interleaved), so PostgreSQL is stopped before the VIP leaves lo and never streams without
# it. The order is Optional: it orders the two whenever both act in one transition (start, quorum
# loss, rejoin), but a failed lvsdr-realsvr is recovered alone and never restarts or stops the
# primary (Mandatory would: a VIP flushed from lo would become a write outage). On the primary
# the VIP on lo takes no packet unless fallback_to_primary sends it reads, which need it there.
cib_configuration() {
  local op_timeout=300s
  cat <<XML
<configuration>
  <crm_config>
    <cluster_property_set id="cib-bootstrap-options">
      <nvpair id="opt-stonith-enabled" name="stonith-enabled" value="false"/>
      <nvpair id="opt-no-quorum-policy" name="no-quorum-policy" value="stop"/>
      <nvpair id="opt-load-threshold" name="load-threshold" value="3000%"/>
      <nvpair id="opt-cluster-name" name="cluster-name" value="seed"/>
    </cluster_property_set>
  </crm_config>
  <nodes/>
  <resources>
    <primitive id="vip-master" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="vip-master-params">
        <nvpair id="vip-master-ip" name="ip" value="$WRITER_VIP"/>
        <nvpair id="vip-master-nic" name="nic" value="eth0"/>
        <nvpair id="vip-master-cidr" name="cidr_netmask" value="24"/>
      </instance_attributes>
      <operations>
        <op id="vip-master-start" name="start" interval="0s" timeout="60s" on-fail="restart"/>
        <op id="vip-master-monitor" name="monitor" interval="10s" timeout="60s" on-fail="restart"/>
        <op id="vip-master-stop" name="stop" interval="0s" timeout="60s" on-fail="block"/>
      </operations>
    </primitive>
    <primitive id="vip-slave" class="ocf" provider="heartbeat" type="IPaddr2">
      <instance_attributes id="vip-slave-params">
        <nvpair id="vip-slave-ip" name="ip" value="$READER_VIP"/>
        <nvpair id="vip-slave-nic" name="nic" value="eth0"/>
        <nvpair id="vip-slave-cidr" name="cidr_netmask" value="24"/>
      </instance_attributes>
      <operations>
        <op id="vip-slave-start" name="start" interval="0s" timeout="60s" on-fail="restart"/>
        <op id="vip-slave-monitor" name="monitor" interval="10s" timeout="60s" on-fail="restart"/>
        <op id="vip-slave-stop" name="stop" interval="0s" timeout="60s" on-fail="block"/>
      </operations>
    </primitive>
    <clone id="msPostgresql">
      <meta_attributes id="msPostgresql-meta">
        <nvpair id="msPostgresql-promotable" name="promotable" value="true"/>
        <nvpair id="msPostgresql-promoted-max" name="promoted-max" value="1"/>
        <nvpair id="msPostgresql-promoted-node-max" name="promoted-node-max" value="1"/>
        <nvpair id="msPostgresql-clone-node-max" name="clone-node-max" value="1"/>
        <nvpair id="msPostgresql-notify" name="notify" value="true"/>
        <nvpair id="msPostgresql-migration-threshold" name="migration-threshold" value="3"/>
        <nvpair id="msPostgresql-interleave" name="interleave" value="true"/>
      </meta_attributes>
      <primitive id="$PGSQL_RESOURCE" class="ocf" provider="heartbeat" type="pgsql">
        <instance_attributes id="pgsql-params">
          <nvpair id="pgsql-pgctl" name="pgctl" value="$PG_BIN/pg_ctl"/>
          <nvpair id="pgsql-psql" name="psql" value="$PG_BIN/psql"/>
          <nvpair id="pgsql-pgdata" name="pgdata" value="$NODE_PGDATA"/>
          <nvpair id="pgsql-pgport" name="pgport" value="$READ_PORT"/>
          <nvpair id="pgsql-socketdir" name="socketdir" value="$NODE_PGSOCKET"/>
          <nvpair id="pgsql-tmpdir" name="tmpdir" value="/var/lib/postgresql/tmp"/>
          <nvpair id="pgsql-logfile" name="logfile" value="$NODE_PGLOG"/>
          <nvpair id="pgsql-rep-mode" name="rep_mode" value="sync"/>
          <nvpair id="pgsql-node-list" name="node_list" value="node1 node2 node3"/>
          <nvpair id="pgsql-repuser" name="repuser" value="replicator"/>
          <nvpair id="pgsql-conninfo-opt" name="primary_conninfo_opt" value="keepalives_idle=60 keepalives_interval=5 keepalives_count=5"/>
          <nvpair id="pgsql-master-ip" name="master_ip" value="$WRITER_VIP"/>
          <nvpair id="pgsql-restart-on-promote" name="restart_on_promote" value="false"/>
          <nvpair id="pgsql-crm-attr-timeout" name="crm_attr_timeout" value="60"/>
          <nvpair id="pgsql-xlog-check-count" name="xlog_check_count" value="1"/>
        </instance_attributes>
        <operations>
          <op id="pgsql-start" name="start" interval="0s" timeout="$op_timeout" on-fail="restart"/>
          <op id="pgsql-monitor" name="monitor" interval="8s" timeout="$op_timeout" on-fail="restart"/>
          <op id="pgsql-monitor-promoted" name="monitor" interval="7s" role="Promoted" timeout="$op_timeout" on-fail="restart"/>
          <op id="pgsql-promote" name="promote" interval="0s" timeout="$op_timeout" on-fail="restart"/>
          <op id="pgsql-demote" name="demote" interval="0s" timeout="$op_timeout" on-fail="stop"/>
          <op id="pgsql-stop" name="stop" interval="0s" timeout="$op_timeout" on-fail="block"/>
          <op id="pgsql-notify" name="notify" interval="0s" timeout="$op_timeout"/>
        </operations>
      </primitive>
    </clone>
    <primitive id="lvsdr" class="ocf" provider="pglvsd" type="lvsdr">
      <instance_attributes id="lvsdr-params">
        <nvpair id="lvsdr-vip" name="vip" value="$READER_VIP"/>
        <nvpair id="lvsdr-port" name="port" value="$READ_PORT"/>
        <nvpair id="lvsdr-options" name="virtual_service_options" value="-s rr"/>
        <nvpair id="lvsdr-default-weight" name="default_weight" value="1"/>
        <nvpair id="lvsdr-writer" name="writer_conninfo" value="host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd connect_timeout=2"/>
        <nvpair id="lvsdr-password-file" name="password_file" value="$CLUSTER_PASSWORD_FILE"/>
      </instance_attributes>
      <operations>
        <op id="lvsdr-start" name="start" interval="0s" timeout="60s" on-fail="restart"/>
        <op id="lvsdr-monitor" name="monitor" interval="5s" timeout="30s" on-fail="restart"/>
        <op id="lvsdr-stop" name="stop" interval="0s" timeout="60s" on-fail="block"/>
      </operations>
    </primitive>
    <clone id="lvsdr-realsvr-clone">
      <meta_attributes id="lvsdr-realsvr-clone-meta">
        <nvpair id="lvsdr-realsvr-clone-node-max" name="clone-node-max" value="1"/>
        <nvpair id="lvsdr-realsvr-clone-notify" name="notify" value="false"/>
      </meta_attributes>
      <primitive id="lvsdr-realsvr" class="ocf" provider="pglvsd" type="lvsdr-realsvr">
        <instance_attributes id="lvsdr-realsvr-params">
          <nvpair id="lvsdr-realsvr-vip" name="vip" value="$READER_VIP"/>
        </instance_attributes>
        <operations>
          <op id="lvsdr-realsvr-start" name="start" interval="0s" timeout="60s" on-fail="restart"/>
          <op id="lvsdr-realsvr-monitor" name="monitor" interval="60s" timeout="30s" on-fail="restart"/>
          <op id="lvsdr-realsvr-stop" name="stop" interval="0s" timeout="60s" on-fail="block"/>
        </operations>
      </primitive>
    </clone>
  </resources>
  <constraints>
    <rsc_colocation id="col-vip-master" rsc="vip-master" with-rsc="msPostgresql" with-rsc-role="Promoted" score="INFINITY"/>
    <rsc_order id="ord-promote-vip-master" first="msPostgresql" first-action="promote" then="vip-master" then-action="start" symmetrical="false" kind="Mandatory"/>
    <rsc_order id="ord-demote-vip-master" first="msPostgresql" first-action="demote" then="vip-master" then-action="stop" symmetrical="false" kind="Optional"/>
    <rsc_colocation id="col-vip-slave" rsc="vip-slave" with-rsc="msPostgresql" with-rsc-role="Unpromoted" score="INFINITY"/>
    <rsc_order id="ord-promote-vip-slave" first="msPostgresql" first-action="promote" then="vip-slave" then-action="start" symmetrical="false" kind="Mandatory"/>
    <rsc_order id="ord-stop-vip-slave" first="msPostgresql" first-action="stop" then="vip-slave" then-action="stop" symmetrical="false" kind="Optional"/>
    <rsc_colocation id="col-lvsdr" rsc="lvsdr" with-rsc="vip-slave" score="INFINITY"/>
    <rsc_order id="ord-realsvr-pgsql" first="lvsdr-realsvr-clone" first-action="start" then="msPostgresql" then-action="start" kind="Optional"/>
    <rsc_order id="ord-restart-vip-slave" first="vip-slave" first-action="stop" then="vip-slave" then-action="start" symmetrical="false" kind="Optional"/>
    <rsc_order id="ord-restart-vip-master" first="vip-master" first-action="stop" then="vip-master" then-action="start" symmetrical="false" kind="Optional"/>
    <rsc_order id="ord-realsvr-lvsdr" first="lvsdr-realsvr-clone" first-action="start" then="lvsdr" then-action="start" symmetrical="false" kind="Optional"/>
    <rsc_order id="ord-lvsdr-vip-slave" first="lvsdr" first-action="start" then="vip-slave" then-action="start" symmetrical="false" kind="Optional"/>
  </constraints>
  <rsc_defaults>
    <meta_attributes id="rsc-defaults">
      <nvpair id="rsc-defaults-stickiness" name="resource-stickiness" value="1"/>
      <nvpair id="rsc-defaults-migration-threshold" name="migration-threshold" value="10"/>
    </meta_attributes>
  </rsc_defaults>
</configuration>
XML
}

# --- network and PostgreSQL ------------------------------------------------------------------

# cluster_network: the bridge (the guest's root namespace is only the LAN's router here: the
# director is whichever node Pacemaker puts lvsdr on), node1..node4 and the client.
cluster_network() {
  ip link add lan type bridge
  ip link set lan up
  ip addr add 10.0.0.1/24 dev lan
  printf '127.0.0.1 localhost\n10.0.0.1 gateway\n' > "$LAB/hosts"
  mount --bind "$LAB/hosts" /etc/hosts
  add_host client 10.0.0.50
  local n
  for n in 1 2 3 4; do
    add_host "node$n" "$(node_ip "$n")"
    # A MAC that names the node: the sampler reads the client's ARP entry for the reader VIP.
    ip -n "node$n" link set eth0 address "$(node_mac "$n")"
    echo "$(node_ip "$n") node$n" >> "$LAB/hosts"
  done
}

# The seed's PostgreSQL, before Pacemaker takes it over: node1 initialised and started by hand,
# node2 and node3 base backups of it, node1 stopped again (pha4pgsql's installation steps).
cluster_postgres_settings() {
  cat "$LAB_DIR/../../Postgres/test-cluster.conf"
  cat <<CONF
# pg_rewind needs these.
full_page_writes = on
wal_log_hints = on
wal_receiver_timeout = 5s
listen_addresses = '*'
port = $READ_PORT
unix_socket_directories = '$NODE_PGSOCKET'
max_connections = 60
# This node's own settings (cluster_name), outside the data directory that base backups copy.
include_if_exists '/var/lib/postgresql/node.conf'
CONF
}

prepare_postgres() {
  local n
  on_node_as_postgres 1 "$PG_BIN/initdb" -N -A trust -U postgres -D "$NODE_PGDATA" >"$LAB/initdb.log" 2>&1 \
    || fail "initdb on node1: $(tail -5 "$LAB/initdb.log")"
  cluster_postgres_settings >> "$(node_path 1 "$NODE_PGDATA/postgresql.conf")"
  "$LAB_DIR/../../Postgres/server-cert.sh" "$(node_path 1 "$NODE_PGDATA")" || fail "TLS certificate on node1"
  cat > "$(node_path 1 "$NODE_PGDATA/pg_hba.conf")" <<HBA
local all all trust
host replication replicator 10.0.0.0/24 trust
host all pglvsd 10.0.0.0/24 scram-sha-256
host all all 10.0.0.0/24 trust
HBA
  on_node_as_postgres 1 "$PG_BIN/pg_ctl" -D "$NODE_PGDATA" -l "$NODE_PGLOG" -w -t 60 start >/dev/null \
    || fail "start PostgreSQL on node1: $(tail -5 "$(node_path 1 "$NODE_PGLOG")")"
  on_node 1 "$PG_BIN/psql" -qX -h "$NODE_PGSOCKET" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL || fail "roles on node1"
CREATE ROLE replicator LOGIN REPLICATION;
CREATE ROLE pglvsd LOGIN PASSWORD '$LAB_PASSWORD' IN ROLE pg_monitor;
CREATE ROLE reader LOGIN;
SQL
  for n in 2 3; do
    on_node_as_postgres "$n" "$PG_BIN/pg_basebackup" -h "$(node_ip 1)" -U replicator -D "$NODE_PGDATA" -X stream -c fast \
      >"$LAB/basebackup$n.log" 2>&1 || fail "pg_basebackup on node$n: $(tail -5 "$LAB/basebackup$n.log")"
  done
  on_node_as_postgres 1 "$PG_BIN/pg_ctl" -D "$NODE_PGDATA" -m fast -w stop >/dev/null || fail "stop PostgreSQL on node1"
}

# node_psql N SQL: one query on node N's own socket.
node_psql() {
  local n=$1; shift
  on_node "$n" "$PG_BIN/psql" -qAtX -h "$NODE_PGSOCKET" -U postgres -d postgres -c "$*"
}

# --- what the sampler sees (pool-sampler.py) ---------------------------------------------------

node_mac() { echo "02:00:0a:00:00:1$1"; }

start_sampler() {
  python3 "$LAB_DIR/pool-sampler.py" "$LAB/pool-now" "$LAB/pool-timeline" "$READER_VIP" "$WRITER_VIP" "$READ_PORT" \
    "$READER" "1=${NODE_PID[1]}:$(node_mac 1)" "2=${NODE_PID[2]}:$(node_mac 2)" "3=${NODE_PID[3]}:$(node_mac 3)" &
  SAMPLER=$!
  wait_until "the pool sampler" 10 test -s "$LAB/pool-now"
}
# director: the node holding the reader service ("none", or "split A,B" during a move).
director() { sed -n 's/^director //p' "$LAB/pool-now"; }
writer_node() { sed -n 's/^writer //p' "$LAB/pool-now"; }
# kernel_pool (for lib.sh's pool_is and serving_is): the director's reader service, as sampled.
kernel_pool() { grep -E '^[0-9]' "$LAB/pool-now"; }
director_is() { [ "$(director)" = "$1" ]; }
writer_is() { [ "$(writer_node)" = "$1" ]; }

# --- the reading application (read-client.py) ---------------------------------------------------

start_reader() {
  ip netns exec client python3 "$LAB_DIR/read-client.py" "$READER_VIP" "$LAB/reads" 0.1 &
  READER=$!
}
# reads_between T1 T2: the client's attempts that started in [T1, T2).
reads_between() { awk -v from="$1" -v to="$2" '$1 >= from && $1 < to' "$LAB/reads"; }
failed_reads_between() { reads_between "$1" "$2" | grep -c ' error ' || true; }
# readers_since T: the distinct nodes that answered reads started after T (sorted, space-separated).
readers_since() { awk -v from="$1" '$1 >= from && $2 == "ok" { print $3 }' "$LAB/reads" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# reads_reach T NODE...: since T, reads answered by exactly these nodes, each at least twice, all standbys.
reads_reach() {
  local from=$1; shift
  local expected actual
  expected=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//')
  actual=$(readers_since "$from")
  LAST_READERS=$actual
  [ "$actual" = "$expected" ] || return 1
  local node
  for node in "$@"; do
    [ "$(awk -v from="$from" -v node="$node" '$1 >= from && $2 == "ok" && $3 == node && $4 == "true"' "$LAB/reads" | wc -l)" -ge 2 ] || return 1
  done
}
# read_outage T1 T2: the longest time in [T1, T2] without a successful read (from T1, between
# successes, and up to T2), in seconds: what a reading application saw of the fault.
read_outage() {
  awk -v from="$1" -v to="$2" '$2 == "ok" && $1 >= from && $1 <= to { if ($1 - last > worst) worst = $1 - last; last = $1 }
      BEGIN { last = from } END { if (to - last > worst) worst = to - last; printf "%.1f", worst }' "$LAB/reads"
}
# first_read_after T: when the first successful read started after T.
first_ok_read_after() { awk -v from="$1" '$1 >= from && $2 == "ok" { print $1; exit }' "$LAB/reads"; }

# pool_gaps_with_director_in_place T1 T2: timeline moments in [T1, T2) when the reader service
# had no weighted server while the director - the node with the reader service, which the
# client's ARP entry for the reader VIP names - was still the one of T1 (after a move to another
# node, a new director's first seconds are the move's cost, reported as failed reads instead).
# Prints "no director at T1" when there was none to stay put.
pool_gaps_with_director_in_place() {
  awk -v from="$1" -v to="$2" '{
      n = split($0, parts, " \\| ")
      split(parts[1], head, " "); director = head[3]
      split(parts[3], v, " "); vip = v[2]
      weighted = 0
      for (i = 4; i <= n; i++) { split(parts[i], f, " "); if (f[2] + 0 > 0) weighted++ }
      if ($1 < from) { origin = (director ~ /^[0-9]$/ && director == vip) ? director : ""; next }
      if ($1 >= to) exit
      if (!started) { started = 1; if (origin == "") { print "no director at " from; exit } }
      # Only another node holding the service counts as a move; a moment without one (an ARP
      # entry being refreshed, a director stopping) does not end the check.
      if (director ~ /^[0-9]$/ && director != origin) moved = 1
      if (!moved && director == origin && weighted == 0) print $1
    }' "$LAB/pool-timeline"
}

# --- diagnostics (replaces lib.sh's) -----------------------------------------------------------

diagnostics() {
  echo "===== diagnostics ====="
  echo "--- sampled state ---"; cat "$LAB/pool-now" 2>/dev/null
  echo "--- pool timeline (last 15) ---"; tail -n 15 "$LAB/pool-timeline" 2>/dev/null
  echo "--- reads (last 10) ---"; tail -n 10 "$LAB/reads" 2>/dev/null
  local n
  for n in 1 2 3; do
    [ -n "${NODE_PID[$n]:-}" ] || continue
    echo "--- node$n: crm_mon -1 -A -f -r ---"; timeout 8 nsenter -t "${NODE_PID[$n]}" -m -u -n -p -- crm_mon -1 -A -f -r 2>&1 | head -n 60
    echo "--- node$n: kernel table (ipvsadm -Ln) ---"; ip netns exec "node$n" ipvsadm -Ln 2>&1
    echo "--- node$n: addresses ---"; ip -n "node$n" -br addr 2>&1
    echo "--- node$n: pglvsd log (lvsdr) ---"; tail -n 40 "$(node_path "$n" /var/log/pglvsd-lvsdr.log)" 2>/dev/null
    echo "--- node$n: PostgreSQL log ---"; tail -n 25 "$(node_path "$n" "$NODE_PGLOG")" 2>/dev/null
    echo "--- node$n: Pacemaker log (warnings and errors) ---"
    grep -E 'error|warning|crit' "$(node_path "$n" /var/log/pacemaker/pacemaker.log)" 2>/dev/null | tail -n 25
    echo "--- node$n: Corosync log ---"; tail -n 10 "$(node_path "$n" /var/log/corosync/corosync.log)" 2>/dev/null
  done
  echo "--- node4: PostgreSQL log ---"; tail -n 20 "$LAB/node4/postgres.log" 2>/dev/null
  echo "--- client: ARP table ---"; ip -n client neigh 2>&1
  echo "======================="
}

save_logs() {
  mkdir -p "$LAB_OUT/logs"
  cp "$LAB"/pool-timeline "$LAB"/reads "$LAB"/*.log "$LAB_OUT/logs/" 2>/dev/null
  local n
  for n in 1 2 3; do
    mkdir -p "$LAB_OUT/logs/node$n"
    cp -r "$(node_path "$n" /var/log)/." "$LAB_OUT/logs/node$n/" 2>/dev/null
  done
  [ -f "$LAB/node4/postgres.log" ] && cp "$LAB/node4/postgres.log" "$LAB_OUT/logs/node4-postgres.log"
  return 0
}
