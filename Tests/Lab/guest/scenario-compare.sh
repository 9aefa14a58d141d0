#!/bin/bash
# The comparison benchmark (Benchmarks/compare/run.sh): each read-pool checker in turn — pglvsd,
# keepalived (MISC_CHECK), ldirectord (service=pgsql) and a re-enactment of the seed's lvsdr
# monitor — against a freshly built 1-primary/2-replica cluster and the same faults. Times are
# read off a sampler that records the kernel's weighted real servers every 50 ms (/proc/net/ip_vs).
# Writes $LAB_OUT/compare.tsv and prints the table. A benchmark, not a test: it asserts nothing
# about the figures, only that each checker and the cluster came up.
source "$LAB_DIR/lib.sh"
trap 'save_logs; cp "$LAB"/checker-*.log "$LAB"/samples "$LAB_OUT/logs/" 2>/dev/null' EXIT
BENCH=$LAB_DIR/../../../Benchmarks/compare
# COMPARE_CHECKERS: comma-separated (the kernel command line splits arguments at spaces).
CHECKERS=${COMPARE_CHECKERS:-pglvsd,keepalived,ldirectord,seed-lvsdr}
CHECKERS=${CHECKERS//,/ }
RESULTS=$LAB_OUT/compare.tsv
: > "$RESULTS"
result() { printf '%s\t%s\t%s\n' "$CHECKER" "$1" "$2" >> "$RESULTS"; log "$CHECKER: $1 = $2"; }

lab_network
for n in 1 2 3 4; do add_node "$n"; done
write_passfile
export PGPASSFILE=$LAB/pgpass
CONNINFO="host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd"

# --- the sampler ----------------------------------------------------------------------------
# Bash builtins only (no fork per sample: ipvsadm, awk and date took a few hundred ms a sample
# in UML, as much as the figures measured): /proc/net/ip_vs, whose only service is the
# reader's, read every 50 ms, addresses from hex, sorted, stamped with $EPOCHREALTIME.
SAMPLES=$LAB/samples
: > "$SAMPLES"
( tick=$LAB/.sample-tick; mkfifo "$tick" 2>/dev/null
  while :; do
    weighted=()
    while read -r arrow address _ weight _; do
      [ "$arrow" = "->" ] && [[ $address =~ ^([0-9A-F]{2})([0-9A-F]{2})([0-9A-F]{2})([0-9A-F]{2}): ]] && [ "$weight" -gt 0 ] || continue
      printf -v dotted '%d.%d.%d.%d' "0x${BASH_REMATCH[1]}" "0x${BASH_REMATCH[2]}" "0x${BASH_REMATCH[3]}" "0x${BASH_REMATCH[4]}"
      weighted+=("$dotted")
    done < /proc/net/ip_vs
    # Insertion sort by the last octet (the lab's servers are 10.0.0.N).
    for ((i = 1; i < ${#weighted[@]}; i++)); do
      for ((j = i; j > 0; j--)); do
        (( ${weighted[j-1]##*.} > ${weighted[j]##*.} )) || break
        swap=${weighted[j]}; weighted[j]=${weighted[j-1]}; weighted[j-1]=$swap
      done
    done
    printf -v line '%s,' "${weighted[@]}"
    [ "${#weighted[@]}" -gt 0 ] || line=""
    echo "$EPOCHREALTIME $line" >> "$SAMPLES"
    read -rt 0.05 <>"$tick"
  done ) &
SAMPLER=$!

# first_sample FROM TIMEOUT AWK_CONDITION_ON_$2: seconds from FROM to the first sample (taken at
# or after FROM) whose weighted set satisfies the condition; "never" after TIMEOUT seconds.
first_sample() {
  local from=$1 timeout=$2 condition=$3 found
  local deadline; deadline=$(echo "$from + $timeout" | bc)
  while :; do
    found=$(awk -v from="$from" '$1 >= from && ('"$condition"') { print $1; exit }' "$SAMPLES")
    if [ -n "$found" ]; then seconds "$from" "$found"; return; fi
    if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then echo never; return; fi
    sleep 0.2
  done
}
has() { echo "index(\$2, \"$1,\") > 0"; }
lacks() { echo "index(\$2, \"$1,\") == 0"; }
is_exactly() { echo "\$2 == \"$1\""; }
node4_streaming() { [ "$(psql_at 1 "select state from pg_stat_replication where application_name = '$(node_ip 4)'")" = streaming ]; }

# median_range VALUE...: "median (min–max)" of seconds; "never (k of n)" when some never came,
# "n/a (never out)" for the times back of a server that was never out.
CUTS=${COMPARE_CUTS:-3}
median_range() {
  local never=0 value sorted=()
  for value in "$@"; do
    [ "$value" = n/a ] && { echo "n/a (never out)"; return; }
    [[ $value =~ ^[0-9.]+$ ]] || never=$((never + 1))
  done
  if [ "$never" -gt 0 ]; then echo "never ($never of $#)"; return; fi
  # (No process substitution: the guest has no /dev/fd.)
  read -ra sorted <<< "$(printf '%s\n' "$@" | sort -g | tr '\n' ' ')"
  echo "${sorted[$(($# / 2))]} (${sorted[0]}–${sorted[$(($# - 1))]})"
}

# false_removals FROM TO ADDRESS...: times one of these servers went from weighted to not.
false_removals() {
  local from=$1 to=$2; shift 2
  local count=0 address
  for address in "$@"; do
    count=$((count + $(awk -v from="$from" -v to="$to" -v a="$address," '
      $1 >= from && $1 <= to { inside = index($2, a) > 0; if (seen && was && !inside) n++; was = inside; seen = 1 }
      END { print n + 0 }' "$SAMPLES")))
  done
  echo "$count"
}

# empty_seconds FROM TO: how long no real server had a weight.
empty_seconds() {
  awk -v from="$1" -v to="$2" '
    $1 >= from && $1 <= to { if (seen && empty) total += $1 - last; empty = (NF < 2 || $2 == ""); last = $1; seen = 1 }
    END { printf "%.1f", total }' "$SAMPLES"
}

busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# --- the cluster ----------------------------------------------------------------------------
build_cluster() {
  local n
  for n in 1 2 3 4; do
    [ -f "$LAB/node$n/data/postmaster.pid" ] && in_node_as_postgres "$n" "$PG_BIN/pg_ctl" -D "$LAB/node$n/data" -m immediate stop >/dev/null 2>&1
    ip link set "v-node$n" up
    rm -rf "$LAB/node$n"
  done
  pg_primary 1
  pg_replica 2 node2
  pg_replica 3 node3
  wait_until "node2 and node3 streaming" 30 streaming_is 1 "node2,node3"
  psql_at 1 "create table load (g int, filler text)" >/dev/null
}

# --- the checkers ---------------------------------------------------------------------------
# Each starts in the background and sets CHECKER_MATCH (a pgrep -f pattern for its processes)
# and DISCOVERS (whether it can know a replica that no static list names).
start_checker() {
  local log=$LAB/checker-$CHECKER.log
  case $CHECKER in
    pglvsd)
      cat > "$LAB/pglvsd.yaml" <<YAML
writer:
  conninfo: "$CONNINFO passfile=$LAB/pgpass"
state_directory: $LAB/state
runtime_directory: $LAB/run
virtual_services:
  - name: reader
    address: $READER_VIP
    port: $READ_PORT
    scheduler: rr
    forwarding: dr
YAML
      "$PGLVSD" run -c "$LAB/pglvsd.yaml" ${COMPARE_LOG_LEVEL:+--log-level "$COMPARE_LOG_LEVEL"} >"$log" 2>&1 &
      CHECKER_MATCH="pglvsd run -c $LAB/pglvsd.yaml"; DISCOVERS=1 ;;
    keepalived)
      {
        echo "global_defs { script_user root"; echo "  enable_script_security }"
        echo "virtual_server $READER_VIP $READ_PORT {"
        echo "  delay_loop 1"; echo "  lb_algo rr"; echo "  lb_kind DR"; echo "  protocol TCP"
        for n in 2 3; do
          echo "  real_server $(node_ip $n) $READ_PORT {"
          echo "    weight 1"
          echo "    MISC_CHECK { misc_path \"$BENCH/pg-standby-check.sh $(node_ip $n)\""
          echo "      misc_timeout 3 }"
          echo "  }"
        done
        echo "}"
      } > "$LAB/keepalived.conf"
      keepalived --dont-fork --log-console --check -f "$LAB/keepalived.conf" -p "$LAB/keepalived.pid" \
        -c "$LAB/keepalived-checkers.pid" >"$log" 2>&1 &
      CHECKER_MATCH="keepalived --dont-fork"; DISCOVERS=0 ;;
    ldirectord)
      cat > "$LAB/ldirectord.cf" <<CF
checktimeout=3
checkinterval=1
autoreload=no
quiescent=no
logfile="$LAB/ldirectord.log"
virtual=$READER_VIP:$READ_PORT
	real=$(node_ip 2):$READ_PORT gate
	real=$(node_ip 3):$READ_PORT gate
	service=pgsql
	scheduler=rr
	protocol=tcp
	checktype=negotiate
	login="pglvsd"
	passwd="$LAB_PASSWORD"
	database="postgres"
	request="select 1 where pg_is_in_recovery()"
CF
      ldirectord -d "$LAB/ldirectord.cf" start >"$log" 2>&1 &
      CHECKER_MATCH="ldirectord"; DISCOVERS=0 ;;
    seed-lvsdr)
      "$BENCH/seed-lvsdr-monitor.sh" "$READER_VIP" "$READ_PORT" "$CONNINFO" 5 >"$log" 2>&1 &
      CHECKER_MATCH="seed-lvsdr-monitor.sh"; DISCOVERS=1 ;;
  esac
  CHECKER_PID=$!
}

stop_checker() {
  pkill -f "$CHECKER_MATCH" 2>/dev/null
  wait "$CHECKER_PID" 2>/dev/null
  pkill -9 -f "$CHECKER_MATCH" 2>/dev/null
  ipvsadm -C
}

# status_mib FIELD: a /proc/PID/status field (kB) summed over the checker's processes, in MiB.
status_mib() {
  local total=0 pid kb
  for pid in $(pgrep -f "$CHECKER_MATCH"); do
    kb=$(awk -v field="$1:" '$1 == field { print $2 }' "/proc/$pid/status" 2>/dev/null)
    total=$((total + ${kb:-0}))
  done
  echo "scale=1; $total / 1024" | bc
}

# CPU ticks of the checker's processes and of the children they reaped (the scripts and psql or
# ipvsadm they fork), per /proc/PID/stat: utime + stime + cutime + cstime.
checker_ticks() {
  local total=0 pid ticks
  for pid in $(pgrep -f "$CHECKER_MATCH"); do
    ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
    total=$((total + ${ticks:-0}))
  done
  echo "$total"
}

log "idle baseline: CPU over 10 s with the cluster up, the sampler running and no checker"
build_cluster
before=$(busy_ticks); sleep 10; IDLE_TICKS=$(( $(busy_ticks) - before ))
log "idle: $IDLE_TICKS ticks per 10 s"

for CHECKER in $CHECKERS; do
  log "=== $CHECKER"
  [ "$CHECKER" = pglvsd ] || build_cluster
  ipvsadm -C
  start_checker
  started=$(now)
  up=$(first_sample "$started" 40 "$(is_exactly "$(node_ip 2),$(node_ip 3),")")
  [ "$up" = never ] && fail "$CHECKER never brought the pool to {node2, node3}: $(tail -5 "$LAB/checker-$CHECKER.log")"
  result "start → pool right (s)" "$up"
  sleep 3  # settle before measuring steady state
  before=$(busy_ticks); own=$(checker_ticks); sleep 10
  ticks=$(( $(busy_ticks) - before )); own=$(( $(checker_ticks) - own ))
  result "CPU per 10 s, checker and its children (UML ticks)" "$own"
  result "CPU per 10 s, whole guest above idle (UML ticks)" "$((ticks - IDLE_TICKS))"
  result "peak RSS (MiB)" "$(status_mib VmHWM)"
  result "RSS now: anonymous / file-backed (MiB)" "$(status_mib RssAnon) / $(status_mib RssFile)"

  phase_start=$(now)
  pg_kill 3; t=$(now)
  out=$(first_sample "$t" 20 "$(lacks "$(node_ip 3)")")
  result "postmaster killed → out (s)" "$out"
  in_node_as_postgres 3 "$PG_BIN/pg_ctl" -D "$LAB/node3/data" -l "$LAB/node3/postgres.log" -w -t 60 start >/dev/null
  t=$(now)
  back=$(first_sample "$t" 30 "$(has "$(node_ip 3)")")
  result "restarted → in (s)" "$([ "$out" = never ] && echo "n/a (never out)" || echo "$back")"

  # Where the cut falls in the poll cycle moves the figure by up to a poll interval: cut
  # CUTS times and give the median with the range.
  outs="" backs=""
  for ((cut = 1; cut <= CUTS; cut++)); do
    ip link set v-node3 down; t=$(now)
    out=$(first_sample "$t" 20 "$(lacks "$(node_ip 3)")")
    ip link set v-node3 up; t=$(now)
    back=$(first_sample "$t" 40 "$(has "$(node_ip 3)")")
    [ "$out" = never ] && back=n/a
    outs="$outs $out" backs="$backs $back"
    log "$CHECKER: cut $cut: out $out, back in $back"
    wait_until "node3 streaming again" 40 streaming_is 1 "node2,node3"
    # Back in before the next cut (a checker that never took it out has it in already).
    if [ "$back" = never ]; then first_sample "$(now)" 30 "$(has "$(node_ip 3)")" >/dev/null; fi
  done
  result "network cut → out (s), median (range) of $CUTS" "$(median_range $outs)"
  result "healed → in (s), median (range) of $CUTS" "$(median_range $backs)"

  psql_at 3 "select pg_wal_replay_pause()" >/dev/null
  # Write in ~5 MB steps until node3 is 16 MB behind (pglvsd's default max_lag_bytes), then
  # keep writing for six more steps while the checkers get their chance.
  crossed="" after=0
  while [ "$after" -lt 6 ]; do
    psql_at 1 "insert into load select g, repeat('x', 1000) from generate_series(1, 5000) g" >/dev/null
    lag=$(psql_at 1 "select pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint from pg_stat_replication where application_name = 'node3'")
    lag=${lag:-0}
    if [ -z "$crossed" ] && [ "$lag" -gt $((16 * 1024 * 1024)) ]; then crossed=$(now); fi
    [ -n "$crossed" ] && after=$((after + 1))
  done
  [ -n "$crossed" ] || crossed=$(now)
  result "replay paused, lag past 16 MB → out (s)" "$(first_sample "$crossed" 15 "$(lacks "$(node_ip 3)")")"
  result "lag at the end of the write load (MB)" "$(( lag / 1024 / 1024 ))"
  psql_at 3 "select pg_wal_replay_resume()" >/dev/null
  caught_up() { [ "$(psql_at 1 "select count(*) from pg_stat_replication where replay_lsn = pg_current_wal_lsn()")" = 2 ]; }
  wait_until "node3 caught up" 60 caught_up
  first_sample "$(now)" 30 "$(has "$(node_ip 3)")" >/dev/null

  # Timed from the moment the writer lists it as streaming (its own start-up in UML, 1–2 s, is
  # not the checker's).
  pg_replica 4 "$(node_ip 4)"
  WAIT_POLL=0.05 wait_until "node4 streaming" 60 node4_streaming; t=$(now)
  result "new replica streaming → in (s)" "$(first_sample "$t" 15 "$(has "$(node_ip 4)")")"
  result "false removals before the failover" "$(false_removals "$phase_start" "$(now)" "$(node_ip 2)")"

  fault=$(now)
  in_node 1 ip addr del "$WRITER_VIP/24" dev eth0
  in_node_as_postgres 1 "$PG_BIN/pg_ctl" -D "$LAB/node1/data" -m immediate stop >/dev/null
  sleep 6  # the fault: no writer for 6 s
  in_node_as_postgres 2 "$PG_BIN/pg_ctl" -D "$LAB/node2/data" -w promote >/dev/null
  move_writer_vip 2
  promoted=$(now)
  if [ "$DISCOVERS" = 1 ] && [ "$(first_sample "$started" 0 "$(has "$(node_ip 4)")")" != never ]; then
    right="$(node_ip 3),$(node_ip 4),"
  else
    right="$(node_ip 3),"
  fi
  settled=$(first_sample "$promoted" 30 "$(is_exactly "$right")")
  result "failover: promotion → pool right (s)" "$settled"
  end=$(now); [ "$settled" != never ] && end=$(echo "$promoted + $settled" | bc)
  result "failover: seconds without a weighted server" "$(empty_seconds "$fault" "$end")"
  result "false removals in the failover (node3)" "$(false_removals "$fault" "$end" "$(node_ip 3)")"
  stop_checker
done

kill "$SAMPLER" 2>/dev/null
log "results (also in $RESULTS):"
cat "$RESULTS"
echo "lab: all assertions passed"
exit 0
