#!/usr/bin/python3
# Watches the pacemaker lab without forking (pacemaker lab): every 0.1 s it reads each cluster
# node's IPVS table (/proc/<pid in the node>/net/ip_vs) and local addresses (net/fib_trie), and
# the client's ARP entry for the reader VIP (/proc/<client pid>/net/arp).
#   STATE_FILE (replaced atomically): "director N" (the node holding the reader service; "none",
#   or "split 2,3" while two do), "writer N" (nodes holding the writer VIP), "vip N" (the node
#   whose MAC the client's ARP entry for the reader VIP names, "none" while it resolves to
#   nothing), then one line "ADDRESS:PORT WEIGHT" per real server of the reader service.
#   TIMELINE (appended): "<epoch seconds> <state lines joined by ' | '>" whenever it changes.
# Usage: pool-sampler.py STATE_FILE TIMELINE READER_VIP WRITER_VIP PORT CLIENT_PID N=PID:MAC...
import os
import socket
import struct
import sys
import time

state_file, timeline, reader_vip, writer_vip, port, client_pid = sys.argv[1:7]
nodes, node_of_mac = [], {}
for argument in sys.argv[7:]:
    name, rest = argument.split("=")
    pid, mac = rest.split(":", 1)
    nodes.append((name, pid))
    node_of_mac[mac.lower()] = name


def hex_endpoint(address, port_number):
    return "%08X:%04X" % (struct.unpack("!I", socket.inet_aton(address))[0], int(port_number))


def endpoint_of(hex_text):
    address, port_hex = hex_text.split(":")
    return "%s:%d" % (socket.inet_ntoa(struct.pack("!I", int(address, 16))), int(port_hex, 16))


service = "TCP  " + hex_endpoint(reader_vip, port)


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def reader_service(pid):
    """The reader service's real servers in this node's table, or None without the service."""
    table = read(f"/proc/{pid}/net/ip_vs")
    if table is None:
        return None
    servers, inside, found = [], False, False
    for line in table.splitlines():
        if line.startswith(("TCP", "UDP", "SCTP", "FWM")):
            inside = line.startswith(service + " ")
            found = found or inside
        elif inside and line.strip().startswith("->") and "RemoteAddress" not in line:
            fields = line.split()
            servers.append(f"{endpoint_of(fields[1])} {fields[3]}")
    return sorted(servers) if found else None


def holds(pid, address):
    trie = read(f"/proc/{pid}/net/fib_trie") or ""
    lines = trie.splitlines()
    return any(line.strip() == "|-- " + address and "/32 host LOCAL" in following
               for line, following in zip(lines, lines[1:]))


def reader_vip_holder():
    """The node the client's ARP entry for the reader VIP points at, or "none"."""
    for line in (read(f"/proc/{client_pid}/net/arp") or "").splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 4 and fields[0] == reader_vip:
            # Flags 0x0: incomplete or failed; the entry names no one.
            return node_of_mac.get(fields[3].lower(), "other") if fields[2] != "0x0" else "none"
    return "none"


previous = None
while True:
    directors, pool, writers = [], [], []
    for name, pid in nodes:
        servers = reader_service(pid)
        if servers is not None:
            directors.append(name)
            pool = servers
        if holds(pid, writer_vip):
            writers.append(name)
    director = "none" if not directors else (directors[0] if len(directors) == 1 else "split " + ",".join(directors))
    lines = [f"director {director}", f"writer {','.join(writers) or 'none'}", f"vip {reader_vip_holder()}"] \
        + (pool if len(directors) == 1 else [])
    if lines != previous:
        temporary = state_file + ".new"
        with open(temporary, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.replace(temporary, state_file)
        with open(timeline, "a") as handle:
            handle.write(f"{time.time():.3f} " + " | ".join(lines) + "\n")
        previous = lines
    time.sleep(0.1)
