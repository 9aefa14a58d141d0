#!/bin/bash
# PID 1 of one cluster node (pacemaker lab): run by `ip netns exec nodeN unshare --mount --uts
# --pid --fork --mount-proc --propagation private`, so the node has the LAN namespace's network,
# its own host name and processes, and its own copies of the directories Corosync, Pacemaker,
# PostgreSQL and the agents keep state in (a tmpfs directory of the guest per node, under
# $CLUSTER_NODES/nodeN). libqb's IPC sockets are abstract, so they belong to the network namespace.
set -u
n=$1
home=$CLUSTER_NODES/node$n
hostname "node$n"
for dir in etc/corosync var/lib/corosync var/lib/pacemaker var/lib/heartbeat var/lib/postgresql \
    var/log var/lib/pglvsd-ocf; do
  mount --bind "$home/$dir" "/$dir" || { echo "node$n: bind /$dir failed"; exit 1; }
done
mount -t tmpfs -o mode=1777 node-shm /dev/shm
mount -t tmpfs -o mode=1777 node-tmp /tmp
# The node's own /run, with the lab's directory (scripts' output, logs) still visible in it.
mkdir -p "$home/run/lab"
mount --bind /run/lab "$home/run/lab"
mount --rbind "$home/run" /run
touch /run/lab/cluster-node$n.ready
# An init reaps: a postmaster that exited must not linger as a zombie that kill -0 still finds
# (the pgsql agent's liveness check). SIGTERM ends the node.
exec python3 -c '
import os, signal, time
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        time.sleep(0.5)
'
