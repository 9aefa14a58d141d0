#!/bin/bash
# The IPVS benchmark inside the lab kernel. Settings come from $LAB_OUT/bench.env (written by
# Benchmarks/ipvs/run.sh): BENCH_SIZES, BENCH_PER_OP_MAX, IPVS_BENCH, LIBNL_FLOOR.
# Each result is one line of $LAB_OUT/bench.tsv: method, operation, N, seconds.
source "$LAB_DIR/lib.sh"
source "$LAB_OUT/bench.env"
VIP=10.9.0.200
PORT=5432
results=$LAB_OUT/bench.tsv
: > "$results"

ip link add d0 type dummy
ip link set d0 up
ip addr add 10.9.0.1/16 dev d0

record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$results"; log "$1 $2 N=$3: ${4}s"; }
seconds_of() { local start=$1; echo "$(now) - $start" | bc; }
fresh_service() { ipvsadm -C; ipvsadm -A -t "$VIP:$PORT" -s wrr; }
expect_count() {
  local count
  count=$(ipvsadm -Ln | grep -c -- '->' ) ; count=$((count - 1))  # minus the header line
  [ "$count" -eq "$1" ] || fail "expected $1 destinations after $2, the kernel holds $count"
}
batch_file() {  # batch_file add|delete N
  awk -v n="$2" -v op="$1" -v vip="$VIP:$PORT" 'BEGIN {
    for (i = 0; i < n; i++) {
      addr = sprintf("10.9.%d.%d:5432", int(i / 250) + 1, i % 250 + 1)
      if (op == "add") print "-a -t " vip " -r " addr " -g -w 1"; else print "-d -t " vip " -r " addr
    } }'
}

for n in $BENCH_SIZES; do
  fresh_service
  record module add "$n" "$("$IPVS_BENCH" add "$n" "$VIP" "$PORT")" || fail "module add"
  expect_count "$n" "module add"
  dump=$("$IPVS_BENCH" dump "$VIP" "$PORT") || fail "module dump"
  dump_seconds=${dump% *}; dump_count=${dump#* }
  [ "$dump_count" -eq "$n" ] || fail "module dump returned $dump_count of $n destinations"
  record module dump "$n" "$dump_seconds"
  start=$(now); ipvsadm -Ln > /dev/null; record ipvsadm-Ln dump "$n" "$(seconds_of "$start")"
  record module delete "$n" "$("$IPVS_BENCH" delete "$n" "$VIP" "$PORT")" || fail "module delete"
  expect_count 0 "module delete"

  fresh_service
  record libnl-floor add "$n" "$("$LIBNL_FLOOR" ADD "$n" "$VIP" "$PORT")" || fail "floor add"
  expect_count "$n" "floor add"
  record libnl-floor delete "$n" "$("$LIBNL_FLOOR" DEL "$n" "$VIP" "$PORT")" || fail "floor delete"
  expect_count 0 "floor delete"

  fresh_service
  batch_file add "$n" > "$LAB/add.txt"; batch_file delete "$n" > "$LAB/delete.txt"
  start=$(now); ipvsadm -R < "$LAB/add.txt" || fail "ipvsadm -R add"; record ipvsadm-R add "$n" "$(seconds_of "$start")"
  expect_count "$n" "ipvsadm -R add"
  start=$(now); ipvsadm -R < "$LAB/delete.txt" || fail "ipvsadm -R delete"; record ipvsadm-R delete "$n" "$(seconds_of "$start")"
  expect_count 0 "ipvsadm -R delete"

  if [ "$n" -le "$BENCH_PER_OP_MAX" ]; then
    fresh_service
    start=$(now)
    while read -r line; do ipvsadm $line || fail "ipvsadm $line"; done < "$LAB/add.txt"
    record ipvsadm-per-op add "$n" "$(seconds_of "$start")"
    expect_count "$n" "ipvsadm per op add"
    start=$(now)
    while read -r line; do ipvsadm $line || fail "ipvsadm $line"; done < "$LAB/delete.txt"
    record ipvsadm-per-op delete "$n" "$(seconds_of "$start")"
    expect_count 0 "ipvsadm per op delete"
  fi
done
ipvsadm -C
exit 0
