#!/bin/bash
# The scaling benchmark (Benchmarks/scale/run.sh): pglvsd's cost as the cluster grows. N real
# servers — node2 and node3 (streaming standbys of node1, the writer's real rows) and N-2 IP
# aliases of theirs in 10.1.0.0/16 (each its own probe connection to a real standby) — listed by
# address in S virtual services (10.0.0.201.., port 5432, direct routing, `discovery: static`).
# For each (N, S) in turn, one fresh daemon: wait until every pool holds all N servers, then over
# SCALE_CYCLES cycles of the metrics file's counter: CPU per cycle (/proc/PID/stat utime+stime),
# the last-cycle gauge, RSS, probe connections held, and a full churn (a reload that changes
# every weight: the kernel operations it took). One line per (N, S) in $LAB_OUT/scale.tsv:
# N S cycles ticks cpu_us/cycle cycle_ms(mean) cycle_ms(max) ms_between_cycles VmRSS_kB VmHWM_kB
# probe_connections daemon_sockets churn_kernel_ops churn_s pools_full_s user_ticks system_ticks.
# A benchmark, not a test: it asserts nothing about the figures, only that the pools filled.
source "$LAB_DIR/lib.sh"
[ -f "$LAB_OUT/scale.env" ] && source "$LAB_OUT/scale.env"
SIZES=${SCALE_SIZES:-3 30 300}
SERVICES=${SCALE_SERVICES:-1 8}
CYCLES=${SCALE_CYCLES:-40}
PROBE_TLS=${SCALE_PROBE_TLS:-0}
RESULTS=$LAB_OUT/scale.tsv
trap 'save_logs' EXIT
: > "$RESULTS"

max_n=0
for n in $SIZES; do
  [ "$n" -ge 2 ] || fail "SCALE_SIZES: each N counts node2 and node3, so at least 2 (got $n)"
  [ "$n" -gt "$max_n" ] && max_n=$n
done
max_s=0
for s in $SERVICES; do [ "$s" -gt "$max_s" ] && max_s=$s; done
[ "$max_s" -le 50 ] || fail "SCALE_SERVICES: at most 50 services (10.0.0.201..250)"

# alias I (0-based): the I-th extra server, on node2 (even I) or node3 (odd I).
alias_ip() { echo "10.1.$(( $1 / 250 )).$(( $1 % 250 + 2 ))"; }
vip() { echo "10.0.0.$(( 200 + $1 ))"; }
# servers N: the N addresses, node2 and node3 first.
servers() {
  local i
  echo "$(node_ip 2) $(node_ip 3)"
  for (( i = 0; i < $1 - 2; i++ )); do alias_ip "$i"; done
}

# --- the lab ---------------------------------------------------------------------------------
log "network: director, node1..node3 on lan; a second subnet 10.1.0.0/16 for $((max_n - 2)) aliases"
lab_network
for n in 1 2 3; do add_node "$n"; done
ip addr add 10.1.0.1/16 dev lan
: > "$LAB/aliases-2"; : > "$LAB/aliases-3"
for (( i = 0; i < max_n - 2; i++ )); do
  echo "addr add $(alias_ip "$i")/16 dev eth0" >> "$LAB/aliases-$(( 2 + i % 2 ))"
done
for (( s = 1; s <= max_s; s++ )); do
  ip addr add "$(vip "$s")/32" dev lan
  for n in 2 3; do echo "addr add $(vip "$s")/32 dev lo" >> "$LAB/aliases-$n"; done
done
for n in 2 3; do in_node "$n" ip -batch "$LAB/aliases-$n" || fail "aliases on node$n"; done

# Each standby holds about half of the probes, plus replication and the lab's own queries; a
# standby needs at least the primary's max_connections, which its base backup copies.
max_connections=$(( (max_n + 1) / 2 + 40 ))
[ "$max_connections" -ge 30 ] || max_connections=30
export PG_EXTRA_SETTINGS="max_connections = $max_connections"
log "PostgreSQL 15: node1 primary, node2 and node3 streaming standbys (max_connections = $max_connections)"
pg_primary 1
# The base backups copy it: the probes reach the standbys from the director's 10.1.0.1 too.
# Unless SCALE_PROBE_TLS=1, probes connect in the clear without a password (hostnossl trust):
# under UML each TLS handshake and SCRAM exchange costs the guest's one CPU so much that 30 of
# them at once outlast the probes' 2 s connection deadline, every round again, and the pools
# never fill (measured). The benchmark measures the cycles once connected.
if [ "$PROBE_TLS" != 1 ]; then
  { printf 'hostnossl all pglvsd 10.0.0.0/24 trust\nhostnossl all pglvsd 10.1.0.0/16 trust\n'
    cat "$LAB/node1/data/pg_hba.conf"; } > "$LAB/pg_hba.conf"
  cat "$LAB/pg_hba.conf" > "$LAB/node1/data/pg_hba.conf"
fi
echo "host all pglvsd 10.1.0.0/16 scram-sha-256" >> "$LAB/node1/data/pg_hba.conf"
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 60 streaming_is 1 "node2,node3"
write_passfile

# --- reading the daemon without forking (a fork costs the guest's one CPU ~50 ms) -------------

# read_metrics: METRIC[name] from the metrics file, for the unlabelled series.
declare -A METRIC
read_metrics() {
  local name value
  METRIC=()
  [ -f "$LAB/pglvsd.prom" ] || return 1
  while read -r name value; do
    case $name in '#'*|*'{'*) continue ;; esac
    METRIC[$name]=$value
  done < "$LAB/pglvsd.prom"
  [ -n "${METRIC[pglvsd_reconcile_cycles_total]:-}" ]
}
# cpu_ticks: sets UTIME and STIME, the daemon's (all its threads), in ticks.
cpu_ticks() {
  local stat fields
  read -r stat < "/proc/$PGLVSD_PID/stat"
  read -ra fields <<<"${stat##*) }"
  UTIME=${fields[11]} STIME=${fields[12]}
}
# status_kib FIELD: a /proc/PID/status field, in kB.
status_kib() {
  local key value unit
  while read -r key value unit; do
    [ "$key" = "$1:" ] && { echo "$value"; return; }
  done < "/proc/$PGLVSD_PID/status"
}
cycles_reach() { read_metrics && (( ${METRIC[pglvsd_reconcile_cycles_total]} >= $1 )); }

# pools_hold N S WEIGHT: every one of the S services holds exactly N real servers, all at WEIGHT.
pools_hold() {
  "$PGLVSD" ipvs list | awk -v n="$1" -v s="$2" -v w="$3" '
    /^(TCP|UDP|SCTP|FWM)/ { services++; next }
    $1 == "->" && $2 ~ /^[0-9]/ { members++; if ($4 != w) off++ }
    END { exit !(services == s && members == n * s && off == 0) }'
}
probes_held() {
  local total=0 n count
  for n in 2 3; do
    count=$(psql_at "$n" "select count(*) from pg_stat_activity where application_name = 'pglvsd-probe'") || return 1
    total=$(( total + count ))
  done
  echo "$total"
}
no_probes_held() { [ "$(probes_held)" = 0 ]; }
table_empty() { [ -z "$(ipvsadm -Sn)" ]; }

write_config() {  # write_config N S WEIGHT
  local n=$1 s=$2 weight=$3 i list
  list=$(servers "$n" | tr ' \n' ',,' | sed 's/,*$//; s/,,*/, /g')
  {
    cat <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd passfile=$LAB/pgpass connect_timeout=2"
poll_interval: 1s
$([ "$PROBE_TLS" = 1 ] || echo "replica_conninfo: \"dbname=postgres user=pglvsd sslmode=disable channel_binding=disable connect_timeout=2\"")
state_directory: $LAB/state
runtime_directory: $LAB/run
metrics_file: $LAB/pglvsd.prom
virtual_services:
YAML
    for (( i = 1; i <= s; i++ )); do
      cat <<YAML
  - name: svc$i
    address: $(vip "$i")
    port: $READ_PORT
    scheduler: wrr
    forwarding: dr
    discovery: static
    default_weight: $weight
    real_servers: [$list]
YAML
    done
  } > "$LAB/pglvsd.yaml"
}

# --- one configuration -----------------------------------------------------------------------
measure() {
  local n=$1 s=$2 started ready c0 t0 u0 s0 w0 c1 t1 w1 last cycle durations=0 sum=0 max=0 ms
  log "N=$n S=$s: starting pglvsd"
  write_config "$n" "$s" 1
  "$PGLVSD" check-config -c "$LAB/pglvsd.yaml" >/dev/null || fail "check-config rejected the N=$n S=$s configuration"
  rm -f "$LAB/pglvsd.prom"
  started=$(now)
  start_pglvsd "$LAB/pglvsd.yaml"
  wait_until "N=$n S=$s: every pool holds all $n servers at weight 1" $(( 60 + n )) pools_hold "$n" "$s" 1
  ready=$(seconds "$started" "$(now)")
  log "N=$n S=$s: pools full ${ready}s after start"
  # Settle: the rounds that counted rise are over; a few plain cycles before measuring.
  wait_until "metrics" 10 read_metrics
  wait_until "settling cycles" 30 cycles_reach $(( METRIC[pglvsd_reconcile_cycles_total] + 3 ))

  read_metrics; c0=${METRIC[pglvsd_reconcile_cycles_total]}; cpu_ticks; u0=$UTIME s0=$STIME; w0=$EPOCHREALTIME
  last=$c0
  [ -p "$LAB/.wait-tick" ] || mkfifo "$LAB/.wait-tick"
  while :; do
    read -rt 0.2 <>"$LAB/.wait-tick" 2>/dev/null
    read_metrics || continue
    cycle=${METRIC[pglvsd_reconcile_cycles_total]}
    if (( cycle != last )); then
      last=$cycle
      ms=$(awk -v s="${METRIC[pglvsd_reconcile_duration_seconds]}" 'BEGIN { printf "%.3f", s * 1000 }')
      durations=$(( durations + 1 ))
      sum=$(awk -v a="$sum" -v b="$ms" 'BEGIN { print a + b }')
      max=$(awk -v a="$max" -v b="$ms" 'BEGIN { print (b > a) ? b : a }')
    fi
    (( cycle >= c0 + CYCLES )) && break
    (( ${EPOCHREALTIME/./} - ${w0/./} > (CYCLES * 3 + 30) * 1000000 )) && fail "N=$n S=$s: $CYCLES cycles did not run in time"
  done
  cpu_ticks; w1=$EPOCHREALTIME; c1=$cycle
  local user=$(( UTIME - u0 )) system=$(( STIME - s0 ))
  t0=0 t1=$(( user + system ))
  local rss hwm probes sockets cpu_us cycle_ms period_ms
  rss=$(status_kib VmRSS); hwm=$(status_kib VmHWM)
  probes=$(probes_held) || fail "counting probe connections"
  sockets=$(find "/proc/$PGLVSD_PID/fd" -lname 'socket:*' | wc -l)
  cpu_us=$(( (t1 - t0) * 10000 / (c1 - c0) ))
  cycle_ms=$(awk -v a="$sum" -v n="$durations" 'BEGIN { printf "%.1f", n ? a / n : 0 }')
  period_ms=$(awk -v a="$w0" -v b="$w1" -v n=$(( c1 - c0 )) 'BEGIN { printf "%.0f", (b - a) * 1000 / n }')
  log "N=$n S=$s: $(( c1 - c0 )) cycles, $(( t1 - t0 )) ticks ($user user, $system system): ${cpu_us} µs CPU/cycle; last-cycle gauge mean ${cycle_ms} ms (max $max); a cycle every ${period_ms} ms; RSS ${rss} kB (peak ${hwm}); $probes probe connections on the standbys, $sockets sockets"

  # A full churn: a reload that changes every weight of every pool.
  local ops0 ops1 errors churn_start churn_s
  read_metrics; ops0=${METRIC[pglvsd_kernel_operations_total]}
  write_config "$n" "$s" 2
  churn_start=$(now)
  kill -HUP "$PGLVSD_PID"
  wait_until "N=$n S=$s: every weight 2 after the reload" $(( 30 + n / 5 )) pools_hold "$n" "$s" 2
  churn_s=$(seconds "$churn_start" "$(now)")
  wait_until "a cycle after the churn" 30 cycles_reach $(( $(read_metrics && echo "${METRIC[pglvsd_reconcile_cycles_total]}") + 2 ))
  read_metrics; ops1=${METRIC[pglvsd_kernel_operations_total]}; errors=${METRIC[pglvsd_kernel_errors_total]}
  log "N=$n S=$s: churn of $(( n * s )) weights: $(( ops1 - ops0 )) kernel operations in ${churn_s}s, $errors kernel errors"

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$n" "$s" "$(( c1 - c0 ))" "$(( t1 - t0 ))" "$cpu_us" "$cycle_ms" "$max" "$period_ms" \
    "$rss" "$hwm" "$probes" "$sockets" "$(( ops1 - ops0 ))" "$churn_s" "$ready" "$user" "$system" >> "$RESULTS"

  stop_pglvsd
  # The daemon leaves the table in place when it stops; the next configuration starts from nothing.
  ipvsadm -C
  wait_until "N=$n S=$s: the services gone" 30 table_empty
  wait_until "N=$n S=$s: the probe connections closed" 60 no_probes_held
}

for n in $SIZES; do
  for s in $SERVICES; do measure "$n" "$s"; done
done
log "results: $(wc -l < "$RESULTS") configurations in $RESULTS"
exit 0
