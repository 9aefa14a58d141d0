#!/bin/bash
# The Debian package under real systemd 252 and journald (PID 1 of the guest, boot-systemd.sh),
# against the lab's real PostgreSQL cluster and IPVS kernel, as an operator runs it:
# dpkg -i, configure, systemctl start/status/reload/stop, journalctl, the watchdog, drain and
# undrain, metrics read by another user, an upgrade in place, remove and purge.
source "$LAB_DIR/lib.sh"
finish() {
  local code=$?
  save_logs
  echo "$code" > "$LAB_OUT/exit-code"
  sync
}
trap finish EXIT

# systemd's /run is new: the lab's working directory (PostgreSQL data, logs) gets a tmpfs of its own.
mkdir -p "$LAB" /run/netns
mount -t tmpfs -o size=1200m lab "$LAB"
# The journal as it is written, on the host: it outlives a guest that powers off early.
journalctl -f -n all -o short-precise --no-pager >"$LAB_OUT/journal-live.log" 2>&1 &
HOST_PGLVSD=$PGLVSD          # the build's binary: reads the kernel table once the package is gone
CONFIG=/etc/pglvsd/pglvsd.yaml
METRICS_DIR=/var/lib/prometheus/node-exporter
node2="$(node_ip 2):$READ_PORT"
node3="$(node_ip 3):$READ_PORT"

main_pid() { systemctl show -p MainPID --value pglvsd; }
# journal_cursor: where the journal ends now, for reading only what comes after.
journal_cursor() { journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'; }
# unit_journal CURSOR [ARGS]: what pglvsd.service's processes logged after CURSOR. (An explicit
# match: journalctl 252 drops further matches such as -p when they follow -u.)
unit_journal() { local cursor=$1; shift; journalctl --no-pager --after-cursor "$cursor" _SYSTEMD_UNIT=pglvsd.service "$@"; }
# unit_errors CURSOR: the messages pglvsd.service's processes logged at priority err or worse
# after CURSOR (read off -o json: in journalctl 252 -p next to other matches matched nothing).
unit_errors() {
  unit_journal "$1" -o json | python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    if int(entry.get("PRIORITY", 6)) <= 3:
        print(entry.get("MESSAGE"))'
}

[ "$(readlink -f /proc/1/exe)" = /usr/lib/systemd/systemd ] || fail "PID 1 is $(readlink -f /proc/1/exe), not systemd"
systemctl is-active -q systemd-journald || fail "journald is not running"
log "PID 1: $(systemctl --version | head -1); journald active; installing $(basename "$PGLVSD_DEB")"

# --- the package ------------------------------------------------------------------------------
dpkg -i "$PGLVSD_DEB" >"$LAB/dpkg-install.log" 2>&1 || fail "dpkg -i: $(tail -5 "$LAB/dpkg-install.log")"
PGLVSD=/usr/bin/pglvsd
[ "$(systemctl is-enabled pglvsd)" = enabled ] || fail "the unit is not enabled after dpkg -i: $(systemctl is-enabled pglvsd)"
systemctl is-active -q pglvsd && fail "pglvsd started before it was configured (no /etc/pglvsd/pgpass)"
[ "$(systemctl show -p ConditionResult --value pglvsd)" = no ] \
  || fail "postinst's start was not skipped by ConditionPathExists: $(systemctl show -p ConditionResult -p ActiveState pglvsd)"
[ "$(stat -c '%a %U' "$CONFIG")" = "644 root" ] || fail "the example configuration is $(stat -c '%a %U' "$CONFIG"), not 644 root"
dpkg-query -W -f='${Conffiles}\n' pglvsd | grep -q " $CONFIG " || fail "$CONFIG is not a conffile"
for file in /usr/bin/pglvsd /lib/systemd/system/pglvsd.service /usr/share/man/man8/pglvsd.8.gz \
            /usr/lib/ocf/resource.d/pglvsd/lvsdr /usr/lib/ocf/resource.d/pglvsd/lvsdr-realsvr \
            /usr/lib/modules-load.d/pglvsd.conf /usr/lib/sysctl.d/pglvsd.conf; do
  dpkg -S "$file" >/dev/null 2>&1 || fail "the package does not own $file"
done
# postinst applied the package's IPVS sysctls (the kernel's default here is 0).
[ "$(sysctl -n net.ipv4.vs.expire_quiescent_template)" = 1 ] || fail "dpkg -i did not apply /usr/lib/sysctl.d/pglvsd.conf"
pass "dpkg -i: unit enabled, start skipped until configured (ConditionPathExists), conffile $CONFIG 0644, agents, modules-load.d, sysctl.d applied"

# --- the cluster --------------------------------------------------------------------------------
log "network: director + node1..node3 + client; PostgreSQL 15: node1 primary, node2 and node3 streaming"
lab_network
for n in 1 2 3; do add_node "$n"; done
pg_primary 1
pg_replica 2 node2
pg_replica 3 node3
wait_until "node2 and node3 streaming from node1" 30 streaming_is 1 "node2,node3"

# --- configured as an operator would ---------------------------------------------------------------
cat > "$CONFIG" <<YAML
writer:
  conninfo: "host=$WRITER_VIP port=$READ_PORT dbname=postgres user=pglvsd connect_timeout=2"
poll_interval: 500ms
metrics_file: $METRICS_DIR/pglvsd.prom
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
(umask 077; printf '*:*:*:pglvsd:%s\n' "$LAB_PASSWORD" > /etc/pglvsd/pgpass)
# node_exporter's textfile directory, writable by its group; the service joins that group.
groupadd --system prometheus
install -d -m 2775 -g prometheus "$METRICS_DIR"
mkdir -p /etc/systemd/system/pglvsd.service.d
printf '[Service]\nSupplementaryGroups=prometheus\n' > /etc/systemd/system/pglvsd.service.d/metrics.conf
systemctl daemon-reload
"$PGLVSD" check-config -c "$CONFIG" >/dev/null || fail "check-config rejected the operator's configuration"

# --- start: returns once reads flow -------------------------------------------------------------
sample_pool "$(node_ip 1)"
cursor=$(journal_cursor)
started=$(now)
systemctl start pglvsd || fail "systemctl start pglvsd failed: $(systemctl status pglvsd --no-pager 2>&1 | tail -20)"
start_seconds=$(seconds "$started" "$(now)")
pool_is "$node2 2" "$node3 3" || fail "systemctl start returned ${start_seconds}s after the start with the pool not right: $(kernel_pool | tr '\n' ' ')"
ready_line=$(unit_journal "$cursor" -o cat | grep -m1 "^ready after") || fail "no 'ready after' line in the journal"
pass "systemctl start returned after ${start_seconds}s with the pool already right (node2=2, node3=3); journal: $ready_line"
cross_check_ipvsadm

wait_until "the STATUS= line in systemctl status" 5 sh -c 'systemctl status pglvsd --no-pager | grep -q "Status: \"reader 2/2 serving; writer reachable\""'
pass "systemctl status shows: $(systemctl status pglvsd --no-pager | grep -o 'Status: .*')"

# --- the sandbox, as systemd applied it ---------------------------------------------------------------
pid=$(main_pid)
show=$(systemctl show pglvsd -p NoNewPrivileges -p DynamicUser -p CapabilityBoundingSet -p AmbientCapabilities \
  -p ProtectSystem -p MemoryDenyWriteExecute -p SystemCallErrorNumber -p PrivateTmp -p RestrictNamespaces)
for expected in NoNewPrivileges=yes DynamicUser=yes CapabilityBoundingSet=cap_net_admin AmbientCapabilities=cap_net_admin \
                ProtectSystem=strict MemoryDenyWriteExecute=yes PrivateTmp=yes RestrictNamespaces=yes; do
  grep -qx "$expected" <<<"$show" || fail "systemctl show pglvsd: expected $expected in: $(echo $show)"
done
status_file=$(cat "/proc/$pid/status")
uid=$(awk '/^Uid:/ {print $2}' <<<"$status_file")
[ "$uid" -ne 0 ] || fail "pglvsd runs as root"
grep -q "^NoNewPrivs:[[:space:]]*1$" <<<"$status_file" || fail "NoNewPrivs is not set on pid $pid"
grep -q "^Seccomp:[[:space:]]*2$" <<<"$status_file" || fail "no seccomp filter on pid $pid"
grep -q "^CapEff:[[:space:]]*0000000000001000$" <<<"$status_file" || fail "effective capabilities are not CAP_NET_ADMIN alone: $(grep ^Cap <<<"$status_file")"
grep -q "^CapBnd:[[:space:]]*0000000000001000$" <<<"$status_file" || fail "bounding set is not CAP_NET_ADMIN alone"
exposure=$(systemd-analyze security pglvsd --no-pager 2>&1 | sed -n 's/.*Overall exposure level for pglvsd.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security pglvsd printed no exposure: $(systemd-analyze security pglvsd --no-pager 2>&1 | tail -5)"
[ "$(echo "$exposure <= 1.7" | bc)" = 1 ] || fail "exposure $exposure is above 1.7"
pass "sandbox: uid $uid (dynamic), NoNewPrivs 1, Seccomp 2, CapEff/CapBnd = CAP_NET_ADMIN; systemd-analyze security pglvsd (online): $exposure"

# --- what the sandboxed daemon can see and send: the IPVS sysctls, TLS to the replicas --------------
# Counted in the unit's whole journal (journalctl -u), before and after the change.
said() { journalctl --no-pager -u pglvsd -o cat | grep -c "^$1" || true; }
[ "$(said "cannot read net.ipv4.vs")" = 0 ] \
  || fail "the sandboxed daemon cannot read the IPVS sysctls: $(journalctl --no-pager -u pglvsd -o cat | grep -m1 '^cannot read')"
warning="kernel setting: net.ipv4.vs.expire_nodest_conn = 0"
clearance="kernel setting right now, was: net.ipv4.vs.expire_nodest_conn = 0"
warnings_before=$(said "$warning"); clearances_before=$(said "$clearance")
sysctl -qw net.ipv4.vs.expire_nodest_conn=0 || fail "sysctl -w net.ipv4.vs.expire_nodest_conn=0"
changed=$(now)
warned() { [ "$(said "$warning")" -gt "$warnings_before" ]; }
wait_until "the daemon's warning about expire_nodest_conn = 0 (sysctls re-read every 10 s)" 15 warned
warned_seconds=$(seconds "$changed" "$(now)")
sysctl -qw net.ipv4.vs.expire_nodest_conn=1 || fail "sysctl -w net.ipv4.vs.expire_nodest_conn=1"
cleared() { [ "$(said "$clearance")" -gt "$clearances_before" ]; }
wait_until "the warning cleared" 15 cleared
probe_tls() {
  in_node 2 "$PG_BIN/psql" -qAtX -h "$LAB/node2" -U postgres -d postgres -c \
    "select coalesce(string_agg(distinct s.ssl::text, ','), 'none') from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = 'pglvsd-probe'"
}
[ "$(probe_tls)" = true ] || fail "node2's probe connection from the service is not over TLS (pg_stat_ssl.ssl: $(probe_tls))"
guard=$(journalctl --no-pager -u pglvsd -o cat | grep -m1 -o "^libpq [0-9.]* has no require_auth" || echo "libpq 16 or later: require_auth")
pass "the sandboxed daemon reads the IPVS sysctls (a bad expire_nodest_conn warned ${warned_seconds}s after it was set, cleared when put back); its probes run over TLS ($guard: channel_binding=require)"

# --- the journal: structured fields -----------------------------------------------------------------
cursor=$(journal_cursor)
killed=$(now)
pg_kill 3
wait_until "node3 out of the pool" 15 pool_is "$node2 2"
log "node3 out $(seconds "$killed" "$(now)")s after its postmaster was killed"
entry_has_fields() {
  unit_journal "$cursor" -o json | python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    if entry.get("PGLVSD_REAL_SERVER_NAME") != "node3" or "left the pool" not in str(entry.get("MESSAGE", "")):
        continue
    fields = ["PGLVSD_VIRTUAL_SERVICE", "PGLVSD_REAL_SERVER", "PGLVSD_REAL_SERVER_NAME", "PGLVSD_REASON", "PGLVSD_WEIGHT"]
    missing = [f for f in fields if f not in entry]
    if missing or entry.get("_TRANSPORT") != "journal":
        print("missing %s (transport %s)" % (missing, entry.get("_TRANSPORT")))
        sys.exit(1)
    print(" ".join("%s=%s" % (f, entry[f]) for f in fields + ["PRIORITY"]))
    sys.exit(0)
sys.exit(1)'
}
deadline=$(echo "$(now) + 5" | bc)
until fields=$(entry_has_fields); do
  if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then
    echo "--- journalctl -u pglvsd -o json (node3) ---"; unit_journal "$cursor" -o json | grep node3 | head -5
    fail "node3's departure is not in journalctl -o json with every PGLVSD_ field: $fields"
  fi
  sleep 0.2
done
by_name=$(journalctl --no-pager -o cat PGLVSD_REAL_SERVER_NAME=node3 | grep -c "left the pool")
[ "$by_name" -ge 1 ] || fail "journalctl PGLVSD_REAL_SERVER_NAME=node3 does not find the departure"
pass "journalctl -u pglvsd -o json: $fields; journalctl PGLVSD_REAL_SERVER_NAME=node3 finds it"
pg_start 3
wait_until "node3 back in the pool" 20 pool_is "$node2 2" "$node3 3"

# --- metrics, read by another user ----------------------------------------------------------------
wait_until "the metrics textfile" 5 test -s "$METRICS_DIR/pglvsd.prom"
mode=$(stat -c %a "$METRICS_DIR/pglvsd.prom")
[ "$mode" = 644 ] || fail "the metrics file is mode $mode under UMask=0077 (node_exporter could not read it)"
setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$METRICS_DIR/pglvsd.prom" \
  | grep -q '^pglvsd_pool_serving{pool="reader",virtual_service="TCP '"$READER_VIP:$READ_PORT"'"} 2$' \
  || fail "user nobody cannot read the pool size from $METRICS_DIR/pglvsd.prom"
pass "metrics textfile (mode $mode) read by user nobody: pglvsd_pool_serving 2"

# --- drain and undrain by an operator (root, umask 077) -------------------------------------------------
(umask 077; "$PGLVSD" drain node2 >/dev/null) || fail "pglvsd drain node2 failed"
wait_until "node2 drained to weight 0 by the running service" 10 pool_is "$node2 0" "$node3 3"
(umask 077; "$PGLVSD" undrain node2 >/dev/null) || fail "pglvsd undrain node2 failed"
wait_until "node2 back at weight 2" 10 pool_is "$node2 2" "$node3 3"
pass "pglvsd drain / undrain node2 (root, umask 077) acted on the running service"

# --- reload -------------------------------------------------------------------------------------------
pid=$(main_pid)
cp "$CONFIG" "$LAB/pglvsd.yaml.good"
sed -i 's/node2: 2/node2: 5/' "$CONFIG"
systemctl reload pglvsd || fail "systemctl reload failed on a good file"
wait_until "node2 at weight 5 after systemctl reload" 10 pool_is "$node2 5" "$node3 3"
[ "$(main_pid)" = "$pid" ] || fail "reload changed the main PID ($pid -> $(main_pid))"
cursor=$(journal_cursor)
printf 'writer: [\n' > "$CONFIG"
if systemctl reload pglvsd 2>/dev/null; then fail "systemctl reload succeeded with a broken file"; fi
unit_errors "$cursor" | grep -q "pglvsd.yaml" \
  || fail "no err-priority line for the broken file: $(unit_journal "$cursor" -o json | grep -a pglvsd.yaml | head -3)"
# The daemon validates again on its own SIGHUP (a file broken between the check and the read).
systemctl kill -s HUP --kill-who=main pglvsd
daemon_rejected() { unit_errors "$cursor" | grep -q 'reload rejected, keeping the running configuration'; }
wait_until "the daemon's own rejection at priority err" 10 daemon_rejected
[ "$(main_pid)" = "$pid" ] && systemctl is-active -q pglvsd || fail "a broken reload stopped or restarted pglvsd"
pool_is "$node2 5" "$node3 3" || fail "a rejected reload changed the pool: $(kernel_pool | tr '\n' ' ')"
cp "$LAB/pglvsd.yaml.good" "$CONFIG"
systemctl reload pglvsd || fail "systemctl reload failed on the restored file"
wait_until "node2 back at weight 2" 10 pool_is "$node2 2" "$node3 3"
pass "systemctl reload applied node2=5 (same PID $pid); a broken file failed systemctl reload and the daemon's SIGHUP, both at priority err, pool kept"

# --- a client session through the reader VIP, across watchdog, stop/start and upgrade -----------------
open_session
session_query
backend=$SESSION_BACKEND
log "client session open through $READER_VIP: backend $backend"
same_session() {
  session_query
  [ "$SESSION_BACKEND" = "$backend" ] || fail "$1: the client session changed from backend $backend to '$SESSION_BACKEND': $(cat "$LAB/session.out")"
}

# --- the watchdog ------------------------------------------------------------------------------------
# journal_time_after CURSOR PATTERN: when the first entry after CURSOR whose MESSAGE starts with
# PATTERN was written (epoch seconds, from the journal's own timestamp, not from polling).
journal_time_after() {
  journalctl --no-pager --after-cursor "$1" -o json | python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    if str(entry.get("MESSAGE", "")).startswith(sys.argv[1]):
        print("%.3f" % (int(entry["__REALTIME_TIMESTAMP"]) / 1e6))
        break' "$2"
}
pid=$(main_pid)
cursor=$(journal_cursor)
stopped=$(now)
kill -STOP "$pid"
restarted() { local p; p=$(main_pid); [ "$p" != 0 ] && [ "$p" != "$pid" ]; }
wait_until "systemd's watchdog to restart pglvsd" 30 restarted
wait_until "the restarted pglvsd active (READY=1)" 30 systemctl is-active -q pglvsd
fired=$(journal_time_after "$cursor" "pglvsd.service: Watchdog timeout")
[ -n "$fired" ] || fail "no 'Watchdog timeout' from systemd in the journal: $(journalctl --no-pager --after-cursor "$cursor" -o cat | grep pglvsd.service | tail -20)"
starting=$(journal_time_after "$cursor" "Starting pglvsd.service")
ready=$(journal_time_after "$cursor" "ready after")
[ -n "$starting" ] && [ -n "$ready" ] || fail "no restart or no ready entry after the watchdog fired"
fired_seconds=$(seconds "$stopped" "$fired"); restart_seconds=$(seconds "$stopped" "$starting"); ready_seconds=$(seconds "$stopped" "$ready")
# The watchdog fires WatchdogSec after the last WATCHDOG=1 (sent every 0.5 s cycle), and the
# restart follows within RestartSec + 2 s: the SIGABRT ends the process at once (no backtracer
# holding it until TimeoutStopSec, which took 19.6 s).
[ "$(echo "$fired_seconds <= 10.5" | bc)" = 1 ] || fail "the watchdog fired ${fired_seconds}s after SIGSTOP (WatchdogSec 10)"
after_fired=$(seconds "$fired" "$starting")
[ "$(echo "$after_fired <= 3" | bc)" = 1 ] || fail "the restart began ${after_fired}s after the watchdog fired (RestartSec 1 + 2)"
pool_is "$node2 2" "$node3 3" || fail "the pool after the watchdog restart: $(kernel_pool | tr '\n' ' ')"
same_session "watchdog restart"
pass "SIGSTOP -> watchdog fired ${fired_seconds}s -> restart began ${restart_seconds}s -> READY ${ready_seconds}s (journal times); table and client session (backend $backend) intact"

# --- stop and start -----------------------------------------------------------------------------------
systemctl stop pglvsd || fail "systemctl stop failed"
pool_is "$node2 2" "$node3 3" || fail "systemctl stop changed the table: $(kernel_pool | tr '\n' ' ')"
same_session "stopped daemon"
systemctl start pglvsd || fail "systemctl start failed"
pool_is "$node2 2" "$node3 3" || fail "the pool after systemctl start: $(kernel_pool | tr '\n' ' ')"
same_session "stop/start"
pass "systemctl stop left the table, start adopted it; the client session kept its backend"

# --- upgrade in place ----------------------------------------------------------------------------------
version=$(dpkg-query -W -f='${Version}' pglvsd)
newer="$version+lab1"
rm -rf "$LAB/repack"
dpkg-deb -R "$PGLVSD_DEB" "$LAB/repack"
sed -i "s/^Version: .*/Version: $newer/" "$LAB/repack/DEBIAN/control"
# (gzip -1: xz of the 60 MB binary takes minutes in UML)
dpkg-deb --root-owner-group -Zgzip -z1 -b "$LAB/repack" "$LAB/pglvsd-newer.deb" >/dev/null || fail "could not build the newer package"
pid=$(main_pid)
dpkg -i "$LAB/pglvsd-newer.deb" >"$LAB/dpkg-upgrade.log" 2>&1 || fail "dpkg -i (upgrade): $(tail -5 "$LAB/dpkg-upgrade.log")"
[ "$(dpkg-query -W -f='${Version}' pglvsd)" = "$newer" ] || fail "the upgrade did not install $newer"
wait_until "pglvsd restarted by the upgrade and active" 30 sh -c "[ \"\$(systemctl show -p MainPID --value pglvsd)\" != $pid ] && systemctl is-active -q pglvsd"
grep -q "node2: 2" "$CONFIG" || fail "the upgrade replaced the operator's configuration"
pool_is "$node2 2" "$node3 3" || fail "the pool after the upgrade: $(kernel_pool | tr '\n' ' ')"
same_session "package upgrade"
pass "dpkg -i $version -> $newer while running: restarted (pid $pid -> $(main_pid)), configuration kept, table and client session intact"

# --- secrets ---------------------------------------------------------------------------------------------
pid=$(main_pid)
if journalctl --no-pager -o export _SYSTEMD_UNIT=pglvsd.service | grep -aq "$LAB_PASSWORD"; then fail "the password is in pglvsd's journal"; fi
if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$LAB_PASSWORD"; then fail "the password is in pglvsd's argv"; fi
if systemctl show pglvsd | grep -q "$LAB_PASSWORD"; then fail "the password is in systemctl show"; fi
pass "the password is in none of: pglvsd's journal, its argv, systemctl show"

# --- remove and purge ------------------------------------------------------------------------------------
# The sampler reads the table with the packaged binary, which goes now.
kill "$SAMPLER" 2>/dev/null
[ ! -s "$LAB/primary-seen" ] || fail "the primary was a real server: $(head -3 "$LAB/primary-seen")"
close_session
PGLVSD=$HOST_PGLVSD
dpkg -r pglvsd >"$LAB/dpkg-remove.log" 2>&1 || fail "dpkg -r: $(tail -5 "$LAB/dpkg-remove.log")"
systemctl is-active -q pglvsd && fail "pglvsd still runs after dpkg -r"
[ ! -e /usr/bin/pglvsd ] || fail "dpkg -r left /usr/bin/pglvsd"
[ -f "$CONFIG" ] || fail "dpkg -r removed the configuration (only purge may)"
dpkg -P pglvsd >"$LAB/dpkg-purge.log" 2>&1 || fail "dpkg -P: $(tail -5 "$LAB/dpkg-purge.log")"
[ ! -e "$CONFIG" ] || fail "dpkg -P left $CONFIG"
[ ! -e /var/lib/private/pglvsd ] && [ ! -e /var/lib/pglvsd ] || fail "dpkg -P left the state directory: $(ls -la /var/lib/pglvsd /var/lib/private 2>&1)"
[ -z "$(find /etc/systemd/system -name 'pglvsd.service' 2>/dev/null)" ] || fail "dpkg -P left the unit enabled"
pass "dpkg -r stopped the service and kept the configuration; dpkg -P removed configuration, state and enablement"

log "figures: start -> READY ${start_seconds}s; SIGSTOP -> watchdog ${fired_seconds}s, restart ${restart_seconds}s, READY ${ready_seconds}s; exposure $exposure"
echo "lab: all assertions passed"
