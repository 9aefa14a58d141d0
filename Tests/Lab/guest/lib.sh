# Shared helpers for lab scenarios, sourced inside the UML guest (root namespace = director).
# A LAN bridge "lan" (10.0.0.1/24) joins the director, PostgreSQL nodes node1..nodeN
# (10.0.0.1N) and a client (10.0.0.50). Writer VIP 10.0.0.100, reader VIP 10.0.0.200.

set -u
LAB=/run/lab
PG_BIN=/usr/lib/postgresql/15/bin
WRITER_VIP=10.0.0.100
READER_VIP=10.0.0.200
READ_PORT=5432
LAB_PASSWORD=lab-secret-$RANDOM$RANDOM
PGLVSD_LOG=$LAB/pglvsd.log
PGLVSD_PID=

node_ip() { echo "10.0.0.$((10 + $1))"; }
log() { printf '[%6.2fs] %s\n' "$(elapsed)" "$*"; }
START_TIME=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) - $START_TIME" | bc; }
now() { date +%s.%N; }
# seconds A B: B - A, three decimals.
seconds() { printf '%.3f' "$(echo "$2 - $1" | bc)"; }

AS_POSTGRES="setpriv --reuid=postgres --regid=postgres --init-groups --"
as_postgres() { $AS_POSTGRES "$@"; }
in_node() { local n=$1; shift; ip netns exec "node$n" "$@"; }
in_node_as_postgres() { local n=$1; shift; ip netns exec "node$n" $AS_POSTGRES "$@"; }

# wait_until DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND every WAIT_POLL seconds
# [0.1] until it succeeds; fails the scenario (with diagnostics) when the deadline passes. The
# loop itself forks nothing (bash's clock, a read with a timeout as the sleep): under UML a fork
# costs ~50 ms of the guest's one CPU, which the cluster being waited for needs.
wait_until() {
  local description=$1 timeout=$2; shift 2
  local deadline=$(( ${EPOCHREALTIME/./} + timeout * 1000000 ))
  local tick=$LAB/.wait-tick
  [ -p "$tick" ] || mkfifo "$tick" 2>/dev/null
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if (( ${EPOCHREALTIME/./} > deadline )); then
      fail "timed out after ${timeout}s waiting for: $description"
    fi
    # Nothing ever writes the FIFO: the read ends by its timeout. Without it, a plain sleep.
    read -rt "${WAIT_POLL:-0.1}" <>"$tick" 2>/dev/null || [ -p "$tick" ] || sleep "${WAIT_POLL:-0.1}"
  done
}

FAILURES=0
fail() {
  echo "FAIL: $*"
  diagnostics
  exit 1
}

pass() { echo "PASS: $*"; }

diagnostics() {
  echo "===== diagnostics ====="
  echo "--- kernel table (ipvsadm -Ln) ---"; ipvsadm -Ln 2>&1
  echo "--- kernel table (pglvsd ipvs list) ---"; "$PGLVSD" ipvs list 2>&1
  echo "--- pglvsd log ---"; tail -n 80 "$PGLVSD_LOG" 2>/dev/null
  echo "--- pglvsd journal entries (MESSAGE) ---"; grep -a '^MESSAGE=' "$LAB/journal.log" 2>/dev/null | tail -n 40
  if [ -d /run/systemd/system ]; then
    echo "--- systemctl status pglvsd ---"; systemctl status pglvsd --no-pager 2>&1 | head -n 20
    echo "--- journalctl -u pglvsd ---"; journalctl -u pglvsd --no-pager -o short-precise -n 80 2>&1
  fi
  local dir
  for dir in "$LAB"/node*; do
    [ -d "$dir" ] || continue
    echo "--- PostgreSQL log $(basename "$dir") ---"; tail -n 30 "$dir/postgres.log" 2>/dev/null
  done
  echo "--- addresses ---"; ip -brief addr 2>&1
  # A scenario with more to show (a second director) defines extra_diagnostics.
  if declare -F extra_diagnostics >/dev/null; then extra_diagnostics; fi
  echo "======================="
}

save_logs() {
  mkdir -p "$LAB_OUT/logs"
  if [ -d /run/systemd/system ]; then
    journalctl --no-pager -o short-precise >"$LAB_OUT/logs/journal.log" 2>&1
  fi
  cp "$PGLVSD_LOG" "$LAB/journal.log" "$LAB/notify.log" "$LAB_OUT/logs/" 2>/dev/null
  local dir
  for dir in "$LAB"/node*; do
    [ -f "$dir/postgres.log" ] && cp "$dir/postgres.log" "$LAB_OUT/logs/$(basename "$dir").log"
  done
  return 0
}

# --- network -------------------------------------------------------------------------------

lab_network() {
  ip link add lan type bridge
  ip link set lan up
  ip addr add 10.0.0.1/24 dev lan
  # The director owns the reader VIP; IPVS takes packets for it at LOCAL_IN.
  ip addr add "$READER_VIP/32" dev lan
  sysctl -qw net.ipv4.ip_forward=1 net.ipv4.vs.expire_nodest_conn=1
  printf '127.0.0.1 localhost\n10.0.0.1 director\n' > "$LAB/hosts"
  mount --bind "$LAB/hosts" /etc/hosts
  add_host client 10.0.0.50
}

# add_host NAME IP: a namespace on the LAN.
add_host() {
  local name=$1 address=$2
  ip netns add "$name"
  ip link add "v-$name" type veth peer name eth0 netns "$name"
  ip link set "v-$name" master lan up
  ip netns exec "$name" ip link set lo up
  ip netns exec "$name" ip link set eth0 up
  ip netns exec "$name" ip addr add "$address/24" dev eth0
  ip netns exec "$name" ip route add default via 10.0.0.1
}

# add_node N: a PostgreSQL host prepared as a DR real server (reader VIP on lo, ARP suppressed).
add_node() {
  local n=$1
  add_host "node$n" "$(node_ip "$n")"
  in_node "$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
    net.ipv4.conf.lo.arp_ignore=1 net.ipv4.conf.lo.arp_announce=2
  in_node "$n" ip addr add "$READER_VIP/32" dev lo
  echo "$(node_ip "$n") node$n" >> "$LAB/hosts"
}

move_writer_vip() {
  local to=$1 n
  for n in 1 2 3 4 5; do
    ip netns exec "node$n" ip addr del "$WRITER_VIP/24" dev eth0 2>/dev/null || true
  done
  in_node "$to" ip addr add "$WRITER_VIP/24" dev eth0
  in_node "$to" arping -c 1 -U -I eth0 "$WRITER_VIP" >/dev/null 2>&1 || true
}

# --- PostgreSQL ------------------------------------------------------------------------------

pg_common_settings() {
  cat "$LAB_DIR/../../Postgres/test-cluster.conf"
  cat <<CONF
listen_addresses = '*'
port = $READ_PORT
unix_socket_directories = '$1'
${PG_EXTRA_SETTINGS:-}
CONF
}

# pg_primary N: initdb, roles, start; takes the writer VIP.
pg_primary() {
  local n=$1 dir=$LAB/node$1
  mkdir -p "$dir"; chown postgres:postgres "$dir"
  as_postgres "$PG_BIN/initdb" -N -A trust -U postgres -D "$dir/data" >"$dir/initdb.log" 2>&1 \
    || fail "initdb node$n: $(tail -5 "$dir/initdb.log")"
  pg_common_settings "$dir" >> "$dir/data/postgresql.conf"
  "$LAB_DIR/../../Postgres/server-cert.sh" "$dir/data" || fail "TLS certificate for node$n"
  echo "cluster_name = 'node$n'" >> "$dir/data/postgresql.conf"
  cat > "$dir/data/pg_hba.conf" <<HBA
local all all trust
host replication replicator 10.0.0.0/24 trust
host all pglvsd 10.0.0.0/24 scram-sha-256
host all all 10.0.0.0/24 trust
HBA
  pg_start "$n"
  in_node "$n" "$PG_BIN/psql" -qX -h "$dir" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL || fail "roles on node$n"
CREATE ROLE replicator LOGIN REPLICATION;
CREATE ROLE pglvsd LOGIN PASSWORD '$LAB_PASSWORD' IN ROLE pg_monitor;
CREATE ROLE reader LOGIN;
SQL
  move_writer_vip "$n"
}

# pg_replica N APPLICATION_NAME: base backup through the writer VIP, stream from it.
pg_replica() {
  local n=$1 name=$2 dir=$LAB/node$1
  mkdir -p "$dir"; chown postgres:postgres "$dir"
  in_node_as_postgres "$n" "$PG_BIN/pg_basebackup" -h "$WRITER_VIP" -U replicator -D "$dir/data" \
    -X stream -c fast >"$dir/basebackup.log" 2>&1 || fail "pg_basebackup node$n: $(tail -5 "$dir/basebackup.log")"
  follow_writer_vip "$n" "$name"
  pg_start "$n"
}

# follow_writer_vip N APPLICATION_NAME: node N's data directory becomes a standby of whatever
# holds the writer VIP, with node N's own settings last (after a base backup or pg_rewind
# copied another node's configuration).
follow_writer_vip() { follow_host "$1" "$2" "$WRITER_VIP"; }

# follow_host N APPLICATION_NAME HOST: likewise, streaming from HOST (a standby: cascading).
follow_host() {
  local n=$1 name=$2 host=$3 dir=$LAB/node$1
  touch "$dir/data/standby.signal"; chown postgres:postgres "$dir/data/standby.signal"
  cat >> "$dir/data/postgresql.conf" <<CONF
unix_socket_directories = '$dir'
cluster_name = 'node$n'
primary_conninfo = 'host=$host port=$READ_PORT user=replicator application_name=$name'
CONF
}

# metric NAME: its value in the daemon's metrics textfile.
metric() { awk -v name="$1" '$1 == name { print $2 }' "$LAB/pglvsd.prom"; }

# sample_pool [PRIMARY_ADDRESS]: in the background, every 0.2 s, notes in $LAB/primary-seen when
# the primary is a real server of any service, and (once $LAB/watch-empty exists) in
# $LAB/pool-empty when no real server of the reader service has a weight. Sets SAMPLER.
sample_pool() {
  local primary=${1:-}
  ( while :; do
      table=$("$PGLVSD" ipvs list 2>/dev/null)
      if [ -n "$primary" ] && grep -q " $primary:$READ_PORT " <<<"$table"; then
        echo "primary $primary seen at $(date +%s.%N)" >> "$LAB/primary-seen"
      fi
      if [ -f "$LAB/watch-empty" ] && ! awk -v svc="TCP  $READER_VIP:$READ_PORT" '
          /^(TCP|UDP|SCTP|FWM)/ { inside = (index($0, svc " ") == 1); next }
          inside && $1 == "->" && $4 + 0 > 0 { found = 1 } END { exit !found }' <<<"$table"; then
        echo "empty at $(date +%s.%N)" >> "$LAB/pool-empty"
      fi
      sleep 0.2
    done ) &
  SAMPLER=$!
}

pg_start() {
  local n=$1 dir=$LAB/node$1
  in_node_as_postgres "$n" "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || fail "start node$n: $(tail -5 "$dir/postgres.log")"
}

# pg_kill N: the postmaster dies at once (kill -9), as in `killall -9 postgres`.
pg_kill() {
  local dir=$LAB/node$1
  kill -9 "$(head -1 "$dir/data/postmaster.pid")"
}

# psql_at N SQL: one query on node N's own socket.
psql_at() {
  local n=$1; shift
  in_node "$n" "$PG_BIN/psql" -qAtX -h "$LAB/node$n" -U postgres -d postgres -c "$*"
}

# writer_streaming N: application_names streaming from node N, sorted, comma-separated.
writer_streaming() {
  in_node "$1" "$PG_BIN/psql" -qAtX -h "$LAB/node$1" -U postgres -d postgres \
    -c "select string_agg(application_name, ',' order by application_name) from pg_stat_replication where state = 'streaming'"
}

# --- a client session through the reader VIP ----------------------------------------------------

# open_session: one psql session from the client namespace through the reader VIP, kept open
# (a holder keeps its input FIFO open for writing) until close_session. Sets SESSION.
open_session() {
  mkfifo "$LAB/session.in"
  sleep 3600 >"$LAB/session.in" &
  SESSION_HOLDER=$!
  ip netns exec client "$PG_BIN/psql" -qAtX -h "$READER_VIP" -U reader -d postgres \
    <"$LAB/session.in" >"$LAB/session.out" 2>&1 &
  SESSION=$!
  SESSION_QUERIES=0
}

# session_query: one query on the open session; sets SESSION_BACKEND to "PID NODE" of its backend.
session_query() {
  SESSION_QUERIES=$((SESSION_QUERIES + 1))
  # A psql that died leaves the FIFO without a reader, and a plain write would block forever.
  kill -0 "$SESSION" 2>/dev/null || fail "the client session ended: $(cat "$LAB/session.out")"
  timeout 5 sh -c 'echo "$1" >"$2"' sh \
    "select 'q$SESSION_QUERIES ' || pg_backend_pid() || ' ' || current_setting('cluster_name');" "$LAB/session.in" \
    || fail "could not write to the client session: $(cat "$LAB/session.out")"
  wait_until "the session's answer to query $SESSION_QUERIES" 10 grep -q "^q$SESSION_QUERIES " "$LAB/session.out"
  SESSION_BACKEND=$(grep "^q$SESSION_QUERIES " "$LAB/session.out" | cut -d' ' -f2-)
}

# What psql says when the server goes under an open session: in the clear, or (the lab's
# servers have TLS on, as Debian's do, and psql's sslmode=prefer uses it) under TLS.
LOST_CONNECTION='server closed the connection unexpectedly|SSL connection has been closed unexpectedly|SSL SYSCALL error: EOF detected'

# close_session: the holder goes, psql reads end of input and exits.
close_session() {
  kill "$SESSION_HOLDER" 2>/dev/null
  session_ended() { ! kill -0 "$SESSION" 2>/dev/null; }
  wait_until "the client session to end" 10 session_ended
  rm -f "$LAB/session.in"
}

# --- pglvsd ----------------------------------------------------------------------------------

write_passfile() {
  printf '*:*:*:pglvsd:%s\n' "$LAB_PASSWORD" > "$LAB/pgpass"
  chmod 600 "$LAB/pgpass"
}

# The WatchdogSec the shipped unit sets, in microseconds, as systemd hands it over (WATCHDOG_USEC).
unit_watchdog_usec() {
  local value
  value=$(sed -n 's/^WatchdogSec=\([0-9]*\)s\?$/\1/p' "$LAB_DIR/../../../systemd/pglvsd.service")
  echo $(( ${value:-10} * 1000000 ))
}

# start_pglvsd CONFIG [journal]: runs the daemon with a NOTIFY_SOCKET listener and the unit's
# watchdog interval; with "journal", its stderr is declared the journal (JOURNAL_STREAM) and
# entries go to a listener on the guest's /run/systemd/journal/socket. Sets PGLVSD_PID and
# notes "PID START_TIME" in $LAB/daemon-starts. A scenario that wants each keep-alive's time
# and sender starts start_notify_listener first.
start_pglvsd() {
  local config=$1 mode=${2:-plain} watchdog
  watchdog=$(unit_watchdog_usec)
  if [ ! -S "$LAB/notify.sock" ]; then
    socat -u UNIX-RECV:"$LAB/notify.sock" OPEN:"$LAB/notify.log",creat,append &
    wait_until "notify listener" 5 test -S "$LAB/notify.sock"
  fi
  if [ "$mode" = journal ]; then
    if [ ! -S /run/systemd/journal/socket ]; then
      mkdir -p /run/systemd/journal
      python3 "$LAB_DIR/datagram-listener.py" /run/systemd/journal/socket "$LAB/journal.log" &
      wait_until "journal listener" 5 test -S /run/systemd/journal/socket
    fi
    touch "$PGLVSD_LOG"
    NOTIFY_SOCKET=$LAB/notify.sock WATCHDOG_USEC=$watchdog JOURNAL_STREAM=$(stat -c '%d:%i' "$PGLVSD_LOG") \
      "$PGLVSD" run --config "$config" >>"$PGLVSD_LOG" 2>&1 &
  else
    NOTIFY_SOCKET=$LAB/notify.sock WATCHDOG_USEC=$watchdog "$PGLVSD" run --config "$config" >>"$PGLVSD_LOG" 2>&1 &
  fi
  PGLVSD_PID=$!
  echo "$PGLVSD_PID $(now)" >> "$LAB/daemon-starts"
}

# start_notify_listener: NOTIFY_SOCKET entries with their receive time and sender's PID (for
# keep-alive gaps), instead of the plain listener start_pglvsd starts otherwise.
start_notify_listener() {
  python3 "$LAB_DIR/datagram-listener.py" "$LAB/notify.sock" "$LAB/notify.log" &
  wait_until "notify listener" 5 test -S "$LAB/notify.sock"
}

# watchdog_gaps [FROM [TO]]: "LONGEST PID AT" — the longest wait for WATCHDOG=1 between FROM and
# TO (epoch seconds; default the whole run) for any one daemon process, counted from its start
# (daemon-starts) to its first keep-alive and between keep-alives; the running daemon's gap
# still open at TO counts too (a killed one's does not).
watchdog_gaps() {
  local from=${1:-0} to=${2:-$(now)}
  awk -v from="$from" -v to="$to" -v alive="$PGLVSD_PID" '
    FNR == 1 { file++ }
    file == 1 { last[$1] = $2; next }
    /^_LAB_RECEIVED=/ { received = substr($0, 15) + 0; next }
    /^_LAB_PID=/ { pid = substr($0, 10); next }
    /^WATCHDOG=1$/ {
      if (received < from || received > to) { if (received < from) last[pid] = received; next }
      start = (pid in last) ? last[pid] : received
      if (start < from) start = from
      if (received - start > longest) { longest = received - start; who = pid; at = received }
      last[pid] = received
    }
    END {
      p = alive
      if (p in last && last[p] < to && to - (last[p] < from ? from : last[p]) > longest) {
        longest = to - (last[p] < from ? from : last[p]); who = p; at = to
      }
      printf "%.3f %s %.3f\n", longest, who, at
    }' "$LAB/daemon-starts" "$LAB/notify.log"
}

# journal_time PATTERN [FROM_LINE]: when the first journal entry (from line FROM_LINE on) whose
# MESSAGE matches the extended regex PATTERN was received, in epoch seconds; empty if none.
journal_time() {
  tail -n +"${2:-1}" "$LAB/journal.log" | awk -v pattern="$1" '
    /^_LAB_RECEIVED=/ { received = substr($0, 15) }
    /^MESSAGE=/ && $0 ~ pattern { print received; exit }'
}

# Everything the daemon logged, on stderr or to the journal listener.
daemon_log() { cat "$PGLVSD_LOG" "$LAB/journal.log" 2>/dev/null; }

stop_pglvsd() {
  [ -n "$PGLVSD_PID" ] && kill "$PGLVSD_PID" 2>/dev/null && wait "$PGLVSD_PID" 2>/dev/null
  PGLVSD_PID=
  return 0
}

# kernel_pool: "address:port weight" per real server of the reader service, read through
# pglvsd's own netlink client, sorted.
kernel_pool() {
  "$PGLVSD" ipvs list | awk -v svc="TCP  $READER_VIP:$READ_PORT" '
    /^(TCP|UDP|SCTP|FWM)/ { inside = (index($0, svc " ") == 1) ; next }
    inside && $1 == "->" { print $2, $4 }' | sort
}

# pool_of_is PORT "ADDR:PORT FORWARD W" ...: the reader VIP's service on PORT holds exactly these.
pool_of_is() {
  local port=$1; shift
  local expected actual
  expected=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
  actual=$("$PGLVSD" ipvs list | awk -v svc="TCP  $READER_VIP:$port" '
    /^(TCP|UDP|SCTP|FWM)/ { inside = ($0 == svc || index($0, svc " ") == 1); next }
    inside && $1 == "->" { print $2, $3, $4 }' | sort)
  [ "$expected" = "$actual" ]
}

# pool_is "ADDR:PORT W" ...: the kernel's pool is exactly these entries.
pool_is() {
  local expected actual
  expected=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
  actual=$(kernel_pool)
  [ "$expected" = "$actual" ]
}

# serving_is "ADDR:PORT W" ...: the servers taking new connections (weight > 0) are exactly these;
# others may still be draining at weight 0.
serving_is() {
  local expected actual
  expected=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
  actual=$(kernel_pool | awk '$2 > 0')
  [ "$expected" = "$actual" ]
}

# The netlink reading must agree with ipvsadm's, line for line.
cross_check_ipvsadm() {
  local ours theirs
  ours=$("$PGLVSD" ipvs list) || fail "pglvsd ipvs list failed"
  theirs=$(ipvsadm -Ln) || fail "ipvsadm -Ln failed"
  if [ "$ours" != "$theirs" ]; then
    echo "--- pglvsd ipvs list ---"; echo "$ours"
    echo "--- ipvsadm -Ln ---"; echo "$theirs"
    fail "pglvsd's netlink reading differs from ipvsadm -Ln"
  fi
}

show_pool() {
  log "kernel pool for $READER_VIP:$READ_PORT: $(kernel_pool | tr '\n' ';' | sed 's/;$//; s/;/, /g')"
}

# --- IPVS kernel tests -------------------------------------------------------------------------

# run_kernel_tests: the IPVSKernelTests suites (Swift Testing) in a namespace of their own, so
# their flushes never touch the lab's table. None may be skipped here.
run_kernel_tests() {
  [ -x "$PGLVSD_TESTS" ] || fail "no test binary at $PGLVSD_TESTS (run swift build --build-tests)"
  ip netns add kt
  ip netns exec kt ip link set lo up
  ip netns exec kt ip link add d0 type dummy
  ip netns exec kt ip link set d0 up
  ip netns exec kt ip addr add 10.9.0.1/16 dev d0
  ip netns exec kt ip addr add fd09::1/64 dev d0 nodad
  local output=$LAB/kernel-tests.log status
  ip netns exec kt env PGLVSD="$PGLVSD" "$PGLVSD_TESTS" --testing-library swift-testing \
    --filter IPVSKernelTests >"$output" 2>&1
  status=$?
  sed 's/\x1b\[[0-9;]*m//g' "$output" | grep -E '✘|✔ Test run|Test run with|skipped|issue|Expectation failed' | head -60
  cp "$output" "$LAB_OUT/kernel-tests.log" 2>/dev/null
  [ "$status" -eq 0 ] || fail "IPVS kernel tests failed (exit $status); full log in LAB_OUT/kernel-tests.log"
  if grep "skipped" "$output" | grep -vq "this kernel has IPVS"; then fail "IPVS kernel tests were skipped inside the lab"; fi
  grep -q "Test run with .* passed" "$output" || fail "IPVS kernel tests did not report a passing run"
  ip netns del kt
}

# streaming_is N NAMES: node N's streaming standbys are exactly NAMES (for wait_until, which
# runs it afresh on every poll).
streaming_is() { [ "$(writer_streaming "$1")" = "$2" ]; }
