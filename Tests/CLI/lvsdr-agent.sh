#!/usr/bin/env bash
# The Pacemaker agent resource-agents/lvsdr, run as Pacemaker runs it (OCF_ROOT, HA_RSCTMP,
# OCF_RESKEY_*) against a stub pglvsd that records its arguments: a parameter is never
# glob-expanded nor injected into the YAML it writes; bad ports and weights are refused; the
# generated file is private even with a password in it; stop escalates to SIGKILL within the
# operation's timeout; start does not wait forever; a stale pid file naming another process is
# neither reported as running nor killed. LVSDR_AGENT runs another copy of the agent.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
agent=${LVSDR_AGENT:-$root/resource-agents/lvsdr}
pglvsd=${PGLVSD:-$root/.build/debug/pglvsd}
work=$(mktemp -d /tmp/pglvsd-lvsdr.XXXXXX)
passed=0 failed=0
others=()

cleanup() {
  # Only the processes this test started: stub daemons (each records its pid) and helpers.
  local pid
  for pid in $(cat "$work"/stub/run.pids 2>/dev/null); do
    if tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF -- "$work"; then kill -KILL "$pid" 2>/dev/null; fi
  done
  for pid in "${others[@]}"; do { kill -KILL "$pid"; wait "$pid"; } 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# alive PID: the process exists and has not exited (a zombie has).
alive() { local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) && [[ ${stat##*) } != [ZX]* ]]; }
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; [ -s "$work/agent.out" ] && sed 's/^/    /' "$work/agent.out"; failed=$((failed + 1)); }

# The stub pglvsd: records each call; check-config records the file's mode and text (and runs the
# real check-config when STUB_REAL_PGLVSD is set); status exits STUB_STATUS; run loops until
# SIGTERM, or ignores it when STUB_IGNORE_TERM=1.
mkdir -p "$work/bin" "$work/stub" "$work/rsctmp" "$work/state" "$work/log" "$work/cwd"
cat > "$work/bin/pglvsd" <<'EOF'
#!/bin/sh
stub=${0%/bin/pglvsd}/stub
printf '%s\n' "$*" >> "$stub/calls"
case $1 in
  check-config)
    stat -c %a "$3" >> "$stub/modes"
    cat "$3" > "$stub/checked.yaml"
    [ -n "${STUB_REAL_PGLVSD:-}" ] && exec "$STUB_REAL_PGLVSD" check-config -c "$3"
    exit 0 ;;
  status) exit "${STUB_STATUS:-0}" ;;
  run)
    echo $$ >> "$stub/run.pids"
    [ "${STUB_IGNORE_TERM:-}" = 1 ] && trap '' TERM
    trap 'echo $$ >> "$stub/hups"' HUP
    while :; do sleep 0.1; done ;;
esac
EOF
# The host's IPVS sysctls are not the test's to change.
printf '#!/bin/sh\necho "sysctl $*" >> "%s/stub/sysctl"\n' "$work" > "$work/bin/sysctl"
chmod 755 "$work/bin/pglvsd" "$work/bin/sysctl"
export PATH="$work/bin:$PATH"

# ra ACTION [NAME=VALUE...]: one agent action with Pacemaker's environment, from $work/cwd, at
# most RA_LIMIT seconds (the old agent's stop never returned); prints the rc, output in agent.out.
ra() {
  local action=$1; shift
  ( cd "$work/cwd" || exit 99
    export OCF_ROOT=/usr/lib/ocf HA_RSCTMP="$work/rsctmp" OCF_RESOURCE_INSTANCE="${INSTANCE:-lvsdr-test}"
    export OCF_RESKEY_binary="$work/bin/pglvsd" OCF_RESKEY_vip=10.0.0.200 OCF_RESKEY_port=5432 \
      OCF_RESKEY_writer_conninfo="host=10.0.0.100 dbname=postgres user=pglvsd" \
      OCF_RESKEY_state_directory="$work/state" OCF_RESKEY_logfile="$work/log/pglvsd"
    for assignment in "$@"; do export "OCF_RESKEY_$assignment"; done
    timeout -s KILL "${RA_LIMIT:-20}" "$agent" "$action" ) > "$work/agent.out" 2>&1
  echo $?
}
checked_calls() { cat "$work/stub/calls" 2>/dev/null | grep -c "^check-config"; }
run_dir() { echo "$work/rsctmp/pglvsd-${INSTANCE:-lvsdr-test}"; }

# 1. weight_of_realservers is split on whitespace, never expanded against the working directory.
touch "$work/cwd/evil-file" "$work/cwd/other-file"
rc=$(ra validate-all 'weight_of_realservers=node2,1 *')
if [ "$rc" = 6 ] && grep -qF "'*'" "$work/agent.out" && ! grep -q evil-file "$work/stub/checked.yaml" 2>/dev/null; then
  pass "lvsdr: 'node2,1 *' in weight_of_realservers refused (rc 6), no file of the working directory became a weight"
else
  fail "lvsdr: 'node2,1 *' in weight_of_realservers: rc $rc, checked: $(cat "$work/stub/checked.yaml" 2>/dev/null)"
fi
rm -f "$work/stub/checked.yaml"
for entry in 'node2,1,2' ',1' 'node2,' 'node2,x' 'no/de,1' 'node2,-1'; do
  rc=$(ra validate-all "weight_of_realservers=node3,1 $entry")
  if [ "$rc" = 6 ] && grep -qF "NAME,WEIGHT" "$work/agent.out" && [ ! -e "$work/stub/checked.yaml" ]; then
    pass "lvsdr: weight_of_realservers entry '$entry' refused as not NAME,WEIGHT (rc 6)"
  else
    fail "lvsdr: weight_of_realservers entry '$entry': rc $rc"
  fi
  rm -f "$work/stub/checked.yaml"
done

# 2. No parameter can inject YAML: a newline or another control character is refused with a
# reason, before any configuration is written or checked.
injection=$'\non_stop: keep\nruntime_directory: /tmp'
for name in vip port default_weight poll_interval writer_conninfo password_file forwarding discovery \
            state_directory weight_of_realservers virtual_service_options logfile config; do
  before=$(checked_calls)
  case $name in
    vip) value=10.0.0.200 ;; port) value=5432 ;; default_weight) value=1 ;; poll_interval) value=1s ;;
    writer_conninfo) value="host=10.0.0.100 dbname=postgres user=pglvsd" ;; password_file) value="$work/password" ;;
    forwarding) value=dr ;; discovery) value=writer ;; state_directory) value="$work/state" ;;
    weight_of_realservers) value="node2,1" ;; virtual_service_options) value="-s rr" ;;
    logfile) value="$work/log/pglvsd" ;; config) value="$work/pglvsd.yaml" ;;
  esac
  rc=$(ra validate-all "$name=$value$injection")
  if [ "$rc" = 6 ] && grep -q "$name.*control character" "$work/agent.out" && [ "$(checked_calls)" = "$before" ]; then
    pass "lvsdr: a newline in $name refused (rc 6) before any configuration is checked"
  else
    fail "lvsdr: a newline in $name: rc $rc, check-config calls $before -> $(checked_calls)"
  fi
done
rc=$(ra validate-all "writer_conninfo=host=10.0.0.100 user=pglvsd"$'\t'"dbname=postgres")
if [ "$rc" = 6 ] && grep -q "writer_conninfo.*control character" "$work/agent.out"; then
  pass "lvsdr: a tab in writer_conninfo refused (rc 6)"
else
  fail "lvsdr: a tab in writer_conninfo: rc $rc"
fi

# 3. Ports, weights and durations are what they may be.
# refused ASSIGNMENT...: validate-all with these parameters fails (rc 6) before any check-config.
refused() {
  rc=$(ra validate-all "$@")
  if [ "$rc" = 6 ] && [ ! -e "$work/stub/checked.yaml" ]; then
    pass "lvsdr: $* refused (rc 6): $(grep -o 'ocf-exit-reason:.*' "$work/agent.out" | head -1)"
  else
    fail "lvsdr: $*: rc $rc"
  fi
  rm -f "$work/stub/checked.yaml"
}
for assignment in port=70000 port=0 port=54x32 port=05432 default_weight=-1 default_weight=1x \
                  default_weight=2147483648 default_weight=01 'weight_of_realservers=node2,2147483648' \
                  'weight_of_realservers=node2,07' poll_interval=fast poll_interval=1s2 'poll_interval=1 s' \
                  vip=not-an-address vip=10.0.0.200/24 forwarding=bridge discovery=everything \
                  state_directory=relative/state logfile=relative/log sync_daemon_role=primary; do
  refused "$assignment"
done
# The sync daemon's interface and id, with a role (each case: role, interface, syncid).
for sync in "both||0" "master|eth1|256" "backup|eth/1|1" "both|a-name-of-16-chr|1" "master|eth1|07"; do
  IFS='|' read -r role interface syncid <<<"$sync"
  refused "sync_daemon_role=$role" "sync_daemon_interface=$interface" "sync_daemon_syncid=$syncid"
done
rc=$(ra validate-all port=65535 default_weight=0 poll_interval=500ms 'weight_of_realservers=node2,2147483647 10.0.0.3,0 fe80::1%eth0')
if [ "$rc" = 0 ]; then pass "lvsdr: port 65535, weight 0 and 2147483647, 500ms, IPv4/IPv6 names accepted"; else fail "lvsdr: boundary values: rc $rc"; fi

# 4. The generated configuration is quoted YAML whose keys are exactly the agent's, and the real
# check-config accepts it.
printf 'S3cretPassw0rd\n' > "$work/password"; chmod 0600 "$work/password"
conninfo="host=10.0.0.100 dbname=postgres user=pglvsd application_name='a\\\"b\\\\c'"
rc=$(ra validate-all "writer_conninfo=$conninfo" password_file="$work/password" 'weight_of_realservers=node2,2 node3' \
  default_weight=1 discovery=both poll_interval=500ms sync_daemon_role=both sync_daemon_interface=eth1.7 sync_daemon_syncid=42)
if [ "$rc" = 0 ] && CONNINFO=$conninfo python3 - "$work/stub/checked.yaml" <<'EOF'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
assert doc["writer"]["conninfo"] == os.environ["CONNINFO"], doc["writer"]
assert doc["ipvs"] == {"sync_daemon": {"role": "both", "interface": "eth1.7", "syncid": 42}}, doc.get("ipvs")
assert doc["poll_interval"] == "500ms" and doc["on_stop"] == "remove", doc
service = doc["virtual_services"][0]
assert service["port"] == 5432 and service["default_weight"] == 1, service
assert service["weights"] == {"node2": 2, "node3": 1}, service
assert service["real_servers"] == ["node2", "node3"], service
EOF
then
  pass "lvsdr: the generated YAML reads back as the parameters (a conninfo with \" and \\, weights, names, the sync daemon)"
else
  fail "lvsdr: generated YAML: rc $rc: $(cat "$work/stub/checked.yaml" 2>/dev/null)"
fi
if [ -x "$pglvsd" ]; then
  rc=$(STUB_REAL_PGLVSD=$pglvsd ra validate-all "writer_conninfo=$conninfo" password_file="$work/password" 'weight_of_realservers=node2,2 node3' \
    default_weight=0 discovery=static poll_interval=500ms forwarding=nat "virtual_service_options=-s wlc" \
    sync_daemon_role=master sync_daemon_interface=eth1 sync_daemon_syncid=0)
  if [ "$rc" = 0 ]; then pass "lvsdr: the real pglvsd check-config accepts the generated configuration (that conninfo, static discovery, nat, wlc, a master sync daemon)"
  else fail "lvsdr: the real pglvsd check-config on the generated configuration: rc $rc"; fi
  rc=$(STUB_REAL_PGLVSD=$pglvsd ra validate-all "writer_conninfo=$conninfo" 'weight_of_realservers=node2,2 node5' discovery=cascade)
  if [ "$rc" = 0 ] && python3 - "$work/stub/checked.yaml" <<'EOF'
import sys, yaml
service = yaml.safe_load(open(sys.argv[1]))["virtual_services"][0]
assert service["discovery"] == "cascade" and "real_servers" not in service, service
assert service["weights"] == {"node2": 2, "node5": 1}, service
EOF
  then pass "lvsdr: discovery=cascade: weights only, no static list, and the real check-config accepts it"
  else fail "lvsdr: discovery=cascade: rc $rc: $(cat "$work/stub/checked.yaml" 2>/dev/null)"; fi
else
  echo "lvsdr-agent: $pglvsd not built; the real check-config is not run"
fi

# 5. The generated configuration is private (0600 under umask 022, its temporary file too), and
# no temporary file is left.
rm -f "$work/stub/modes"
rc=$(umask 022; ra start "writer_conninfo=host=10.0.0.100 dbname=postgres user=pglvsd password=S3cretPassw0rd")
mode=$(stat -c %a "$(run_dir)/pglvsd.yaml" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$mode" = 600 ] && [ "$(sort -u "$work/stub/modes")" = 600 ] \
   && [ "$(ls "$(run_dir)" | grep -c 'yaml')" = 1 ]; then
  pass "lvsdr: the generated configuration with a password is mode 0600 under umask 022 (its temporary file too)"
else
  fail "lvsdr: start under umask 022: rc $rc, mode $mode, checked modes $(sort -u "$work/stub/modes" | tr '\n' ' '), files: $(ls "$(run_dir)" | tr '\n' ' ')"
fi
if grep -rqa S3cretPassw0rd "$work/agent.out" "$work/log" "$work/stub/calls"; then
  fail "lvsdr: the password appears in the agent's output, pglvsd's log or a command line"
else
  pass "lvsdr: the password is on no command line and in no log"
fi
rc=$(ra monitor); [ "$rc" = 0 ] && pass "lvsdr: monitor of the started stub rc 0" || fail "lvsdr: monitor after start: rc $rc"
start=$(date +%s%N)
rc=$(ra stop)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
rc2=$(ra monitor)
if [ "$rc" = 0 ] && [ "$rc2" = 7 ]; then pass "lvsdr: stop of a stub that honours SIGTERM rc 0 in ${elapsed}ms, then monitor rc 7"
else fail "lvsdr: stop rc $rc, monitor rc $rc2"; fi

# 6. stop escalates to SIGKILL within the operation's timeout when pglvsd ignores SIGTERM.
rc=$(STUB_IGNORE_TERM=1 ra start)
pid=$(cat "$(run_dir)/pglvsd.pid" 2>/dev/null)
start=$(date +%s%N)
rc=$(OCF_RESKEY_CRM_meta_timeout=4000 RA_LIMIT=15 ra stop)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$rc" = 0 ] && [ "$elapsed" -lt 4000 ] && [ -n "$pid" ] && ! alive "$pid" && grep -q SIGKILL "$work/agent.out"; then
  pass "lvsdr: stop of a pglvsd that ignores SIGTERM: SIGKILL, rc 0 in ${elapsed}ms (timeout 4000ms)"
else
  fail "lvsdr: stop of a pglvsd that ignores SIGTERM: rc $rc in ${elapsed}ms, pid $pid $(alive "$pid" && echo still alive)"
fi

# 7. start does not wait forever for a pglvsd that never publishes a status.
start=$(date +%s%N)
rc=$(STUB_STATUS=3 OCF_RESKEY_CRM_meta_timeout=3000 RA_LIMIT=15 ra start)
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$rc" = 1 ] && [ "$elapsed" -lt 3000 ]; then
  pass "lvsdr: start gives up on a pglvsd without a status: rc 1 in ${elapsed}ms (timeout 3000ms)"
else
  fail "lvsdr: start of a pglvsd without a status: rc $rc in ${elapsed}ms"
fi
rc=$(ra stop); [ "$rc" = 0 ] || fail "lvsdr: stop after the failed start: rc $rc"

# 7b. A changed config or binary parameter does not disown the running daemon: reload refuses
#     (a restart applies it), monitor still sees it, and stop stops it (no second daemon).
rc=$(ra start)
pid=$(cat "$(run_dir)/pglvsd.pid" 2>/dev/null)
printf 'placeholder\n' > "$work/other.yaml"
rc_reload=$(ra reload config="$work/other.yaml")
rc_monitor=$(ra monitor config="$work/other.yaml")
rc_stop=$(ra stop config="$work/other.yaml")
if [ "$rc" = 0 ] && [ "$rc_reload" = 1 ] && [ "$rc_monitor" = 0 ] && [ "$rc_stop" = 0 ] && [ -n "$pid" ] && ! alive "$pid"; then
  pass "lvsdr: config changed since start: reload rc 1 (restart needed), monitor rc 0, stop stopped pid $pid"
else
  fail "lvsdr: config changed since start: start rc $rc, reload rc $rc_reload, monitor rc $rc_monitor, stop rc $rc_stop, pid $pid $(alive "$pid" && echo still alive)"
  kill "$pid" 2>/dev/null
fi

# 7c. Pacemaker 2.1 reloads an OCF 1.1 agent's parameters through reload-agent, and only those
#     marked reloadable: the weights change by SIGHUP, the daemon (and its pool) stays; vip, port,
#     config and binary are a restart.
metadata=$(ra meta-data >/dev/null; cat "$work/agent.out")
reloadable=$(xmllint --xpath '//parameter[@reloadable="1"]/@name' - <<<"$metadata" 2>/dev/null | tr -s ' \n' ' ')
has_action=$(xmllint --xpath 'count(//actions/action[@name="reload-agent"])' - <<<"$metadata" 2>/dev/null)
rc=$(ra start)
pid=$(cat "$(run_dir)/pglvsd.pid" 2>/dev/null)
rc_reload=$(ra reload-agent default_weight=0 'weight_of_realservers=node1,1 node2,1')
pid_after=$(cat "$(run_dir)/pglvsd.pid" 2>/dev/null)
wait_hup() { for _ in $(seq 50); do grep -qx "$pid" "$work/stub/hups" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
if [ "$has_action" = 1 ] && [[ $reloadable == *'"weight_of_realservers"'* ]] && [[ $reloadable == *'"default_weight"'* ]] \
   && [[ $reloadable != *'"vip"'* ]] && [[ $reloadable != *'"port"'* ]] && [[ $reloadable != *'"config"'* ]] && [[ $reloadable != *'"binary"'* ]] \
   && [ "$rc" = 0 ] && [ "$rc_reload" = 0 ] && [ -n "$pid" ] && [ "$pid_after" = "$pid" ] && alive "$pid" && wait_hup \
   && grep -qx '    default_weight: 0' "$(run_dir)/pglvsd.yaml" && grep -qx '      "node1": 1' "$(run_dir)/pglvsd.yaml"; then
  pass "lvsdr: reload-agent (OCF 1.1) with new weights: rc 0, SIGHUP to pid $pid, which keeps running; reloadable:$reloadable"
else
  fail "lvsdr: reload-agent: action declared $has_action, reloadable:$reloadable; start rc $rc, reload-agent rc $rc_reload, pid $pid -> $pid_after, HUPs: $(cat "$work/stub/hups" 2>/dev/null)"
fi
# The same parameters again: nothing to apply, no SIGHUP.
hups=$(wc -l < "$work/stub/hups" 2>/dev/null)
rc_again=$(ra reload-agent default_weight=0 'weight_of_realservers=node1,1 node2,1')
sleep 0.3
if [ "$rc_again" = 0 ] && [ "$(wc -l < "$work/stub/hups" 2>/dev/null)" = "$hups" ]; then
  pass "lvsdr: reload-agent with unchanged parameters: rc 0, no SIGHUP"
else
  fail "lvsdr: reload-agent with unchanged parameters: rc $rc_again, HUPs $hups -> $(wc -l < "$work/stub/hups" 2>/dev/null)"
fi
rc=$(ra stop); [ "$rc" = 0 ] || fail "lvsdr: stop after reload-agent: rc $rc"

# 8. A stale pid file naming another process: not running, and stop kills nothing.
sleep 300 & others+=("$!"); sleeper=$!
mkdir -p "$(run_dir)"; echo "$sleeper" > "$(run_dir)/pglvsd.pid"
rc=$(ra monitor); rc2=$(ra stop)
if [ "$rc" = 7 ] && [ "$rc2" = 0 ] && alive "$sleeper"; then
  pass "lvsdr: a pid file naming an unrelated process: monitor rc 7, stop rc 0 and the process lives"
else
  fail "lvsdr: a pid file naming an unrelated process: monitor rc $rc, stop rc $rc2"
fi
# Another resource's pglvsd (same binary, its own configuration) is not this resource's.
rc=$(INSTANCE=lvsdr-other ra start vip=10.0.0.201)
other=$(cat "$work/rsctmp/pglvsd-lvsdr-other/pglvsd.pid" 2>/dev/null)
echo "$other" > "$(run_dir)/pglvsd.pid"
rc=$(ra monitor); rc2=$(ra stop)
if [ -n "$other" ] && [ "$rc" = 7 ] && [ "$rc2" = 0 ] && alive "$other"; then
  pass "lvsdr: a pid file naming another resource's pglvsd: monitor rc 7, stop rc 0 and that pglvsd lives"
else
  fail "lvsdr: a pid file naming another resource's pglvsd ($other): monitor rc $rc, stop rc $rc2"
fi
rc=$(INSTANCE=lvsdr-other ra stop vip=10.0.0.201); [ "$rc" = 0 ] || fail "lvsdr: stop of lvsdr-other: rc $rc"

# 9. ocf-tester's sequence against the stub (ocf-tester-ocf11: Debian 12's DTD predates OCF 1.1).
if command -v ocf-tester >/dev/null; then
  if HA_RSCTMP="$work/rsctmp" "$root/Tests/CLI/ocf-tester-ocf11" -n lvsdr-tester -o vip=10.0.0.202 -o port=5432 \
       -o "writer_conninfo=host=10.0.0.100 dbname=postgres user=pglvsd" -o binary="$work/bin/pglvsd" \
       -o state_directory="$work/state" -o logfile="$work/log/ocf-tester" "$agent" > "$work/agent.out" 2>&1; then
    pass "lvsdr: ocf-tester: $(tail -1 "$work/agent.out")"
  else
    fail "lvsdr: ocf-tester"
  fi
else
  echo "lvsdr-agent: ocf-tester not installed; skipped"
fi
echo "lvsdr-agent: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
