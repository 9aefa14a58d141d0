#!/usr/bin/env bash
# The real binary's check-config: the shipped example passes; each kind of bad input exits
# non-zero with a message that names the key path and the problem.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
pglvsd=${PGLVSD:-$root/.build/debug/pglvsd}
work=$(mktemp -d /tmp/pglvsd-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

check() {  # check NAME EXPECTED_STATUS EXPECTED_TEXT CONFIG_TEXT
  local name=$1 expected_status=$2 expected_text=$3
  printf '%s\n' "$4" > "$work/config.yaml"
  local output status
  output=$("$pglvsd" check-config -c "$work/config.yaml" 2>&1); status=$?
  if [ "$status" -eq "$expected_status" ] && grep -qF -- "$expected_text" <<<"$output"; then
    echo "PASS: check-config $name (exit $status)"; passed=$((passed + 1))
  else
    echo "FAIL: check-config $name: exit $status, output:"; echo "$output" | sed 's/^/    /'; failed=$((failed + 1))
  fi
}

example=$(cat "$root/etc/pglvsd/pglvsd.yaml")
check "accepts the shipped example" 0 "OK, 1 virtual service(s)" "$example"
check "rejects an unknown key" 2 "virtual_services[0].colour: unknown key" "$example
    colour: blue"
check "rejects a bad address" 2 'virtual_services[0].address: not an IPv4 or IPv6 address: "192.168.0.300"' \
  "${example/address: 192.168.0.231/address: 192.168.0.300}"
check "rejects a negative weight" 2 "virtual_services[0].weights.node2: weight of node2 must be between 0 and 2147483647, got -1" \
  "${example/node2: 1/node2: -1}"
check "rejects a malformed conninfo" 2 'writer.conninfo: invalid conninfo' \
  "${example/conninfo: \"host=/conninfo: \"host=x = }"
check "rejects malformed YAML" 2 "malformed YAML" "writer: ["
# A syntax error or a duplicate key on a conninfo line names its place, never the line (the
# password in it would reach the journal, and Pacemaker's status through the lvsdr agent).
for broken in 'conninfo: "host=a password=S3cretPassw0rd\q"' 'conninfo: "host=a password=S3cretPassw0rd" x"' \
              $'conninfo: "password=S3cretPassw0rd"\n  conninfo: "password=S3cretPassw0rd"'; do
  printf 'writer:\n  %s\n' "$broken" > "$work/config.yaml"
  output=$("$pglvsd" check-config -c "$work/config.yaml" 2>&1); status=$?
  if [ "$status" -eq 2 ] && grep -q "malformed YAML: [23]:" <<<"$output" && ! grep -q S3cretPassw0rd <<<"$output"; then
    echo "PASS: check-config names a YAML error on a password's line without quoting it (exit 2): ${output%%$'\n'*}"; passed=$((passed + 1))
  else
    echo "FAIL: check-config on a YAML error in a conninfo: exit $status, output:"; echo "$output" | sed 's/^/    /'; failed=$((failed + 1))
  fi
done
check "rejects an unreadable passfile" 2 "writer.conninfo: passfile /nonexistent/pgpass cannot be read: No such file or directory" \
  "${example/user=pglvsd\"/user=pglvsd passfile=/nonexistent/pgpass\"}"
check "rejects duplicate real servers" 2 'virtual_services[0].real_servers: duplicate real server "node2"' "$example
    real_servers: [node2, node3, node2]"
check "rejects an unknown scheduler" 2 'virtual_services[0].scheduler: unknown scheduler "fastest"' \
  "${example/scheduler: rr/scheduler: fastest}"
check "rejects a port out of range" 2 "virtual_services[0].port: port must be between 1 and 65535, got 70000" \
  "${example/port: 5432/port: 70000}"
# ipvs.timeouts: whole seconds from 1s to under a day, each problem with its key path.
check "accepts ipvs.timeouts" 0 "ipvs.timeouts: tcp 900s, tcp_fin 120s, udp 300s (set at start and kept)" "$example
ipvs:
  timeouts: {tcp: 15m, tcp_fin: 2m, udp: 300}"
check "rejects a sub-second IPVS timeout" 2 "ipvs.timeouts.tcp: must be whole seconds, at least 1s and under 24h, got 1500ms" "$example
ipvs: {timeouts: {tcp: 1500ms}}"
check "rejects an IPVS timeout of 0" 2 "ipvs.timeouts.udp: must be whole seconds, at least 1s and under 24h, got 0s" "$example
ipvs: {timeouts: {udp: 0}}"
check "rejects an IPVS timeout of a day" 2 "ipvs.timeouts.tcp_fin: duration must be between 0 and 24h" "$example
ipvs: {timeouts: {tcp_fin: 86400}}"
check "rejects an unknown IPVS timeout" 2 "ipvs.timeouts.sctp: unknown key (expected one of: tcp, tcp_fin, udp)" "$example
ipvs: {timeouts: {sctp: 5s}}"
# --kernel prints each IPVS sysctl the configuration depends on; without IPVS (this host's
# kernel may have none) they cannot be read, which is exit 3, not a configuration error.
printf '%s\n' "$example" > "$work/config.yaml"
output=$("$pglvsd" check-config --kernel -c "$work/config.yaml" 2>&1); status=$?
if [ -d /proc/sys/net/ipv4/vs ]; then expected_line="net.ipv4.vs.expire_nodest_conn = "; else expected_line="net.ipv4.vs.expire_nodest_conn = unreadable: cannot be read"; fi
if { [ "$status" -eq 0 ] || [ "$status" -eq 3 ]; } && grep -qF "$expected_line" <<<"$output" \
   && grep -qF "net.ipv4.vs.conn_reuse_mode = " <<<"$output" && { [ -d /proc/sys/net/ipv4/vs ] || [ "$status" -eq 3 ]; }; then
  echo "PASS: check-config --kernel prints each IPVS setting (exit $status)"; passed=$((passed + 1))
else
  echo "FAIL: check-config --kernel: exit $status, output:"; echo "$output" | sed 's/^/    /'; failed=$((failed + 1))
fi
# password_file: 0600 passes; readable by others, or next to a password in the conninfo, fails
# with the key path; the password itself never appears in the output.
printf 'S3cretPassw0rd\n' > "$work/password"; chmod 0600 "$work/password"
with_password=${example/conninfo: \"host=/password_file: $work/password
  conninfo: \"host=}
check "accepts a private password_file" 0 "OK, 1 virtual service(s)" "$with_password"
chmod 0644 "$work/password"
check "rejects a password_file others may read" 2 "writer.password_file: $work/password: group or others may access it (mode 644); chmod 0600" "$with_password"
chmod 0600 "$work/password"
check "rejects a password in both places" 2 "writer.password_file: writer.conninfo already holds a password" \
  "${with_password/user=pglvsd\"/user=pglvsd password=S3cretPassw0rd\"}"
# A password in the conninfo only in a file nobody else may read (the example ships 0644).
check "rejects a password in a conninfo others may read" 2 \
  "writer.conninfo: holds a password while group or others may read this file (mode 644)" \
  "${example/user=pglvsd\"/user=pglvsd password=S3cretPassw0rd\"}"
chmod 0600 "$work/config.yaml"
if output=$("$pglvsd" check-config -c "$work/config.yaml" 2>&1); then
  echo "PASS: check-config accepts a password in the conninfo of a 0600 file"; passed=$((passed + 1))
else
  echo "FAIL: check-config on a 0600 file with a password in the conninfo: $output"; failed=$((failed + 1))
fi
if "$pglvsd" check-config -c "$work/config.yaml" 2>&1 | grep -q S3cretPassw0rd; then
  echo "FAIL: check-config printed the password"; failed=$((failed + 1))
else
  echo "PASS: check-config never prints the password"; passed=$((passed + 1))
fi
output=$("$pglvsd" check-config -c "$work/absent.yaml" 2>&1); status=$?
if [ "$status" -ne 0 ] && grep -qF "No such file or directory" <<<"$output"; then
  echo "PASS: check-config names an unreadable file (exit $status)"; passed=$((passed + 1))
else
  echo "FAIL: check-config on a missing file: exit $status: $output"; failed=$((failed + 1))
fi
echo "check-config: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
