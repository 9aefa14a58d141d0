#!/bin/bash
# A re-enactment of the seed's lvsdr monitor (pha4pgsql), written from its description in
# the project's reference notes, for the comparison benchmark only: every monitor interval
# (5 s in the seed's template) ask the writer VIP for its replicas with get_active_slaves'
# query through a forked psql, then bring IPVS to that list by forking ipvsadm — deleting every
# real server when the writer cannot be reached, as the original did.
#
#   seed-lvsdr-monitor.sh VIP PORT WRITER_CONNINFO [INTERVAL]
set -u
vip=$1 port=$2 conninfo=$3 interval=${4:-5}
query="select application_name from pg_stat_replication where sync_state in ('sync','potential','async') and application_name is not null"

ipvsadm -A -t "$vip:$port" -s rr 2>/dev/null
while :; do
  wanted=""
  for name in $(psql "$conninfo connect_timeout=5" -qAtX -c "$query" 2>/dev/null); do
    # Names through /etc/hosts (node1..), or a literal address (the 4th replica).
    address=$(getent hosts "$name" | awk '{ print $1; exit }')
    wanted="$wanted ${address:-$name}"
  done
  current=$(ipvsadm -Ln -t "$vip:$port" 2>/dev/null | awk '$1 == "->" && $2 ~ /:/ { split($2, a, ":"); print a[1] }')
  for address in $wanted; do
    grep -qx "$address" <<<"$current" || ipvsadm -a -t "$vip:$port" -r "$address:$port" -g -w 1
  done
  for address in $current; do
    grep -qw "$address" <<<"$wanted" || ipvsadm -d -t "$vip:$port" -r "$address:$port"
  done
  sleep "$interval"
done
