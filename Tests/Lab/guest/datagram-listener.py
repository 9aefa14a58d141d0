#!/usr/bin/python3
"""A stand-in for journald's native socket or systemd's NOTIFY_SOCKET: appends each datagram
to a file, preceded by _LAB_RECEIVED=<epoch seconds> (the receive time, as journald's
__REALTIME_TIMESTAMP) and _LAB_PID=<sender> (from the kernel's credentials, as systemd reads
them), so the lab can read reaction times and keep-alive gaps per process off the entries."""
import os
import socket
import struct
import sys
import time

path, output = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(path), exist_ok=True)
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
server.bind(path)
credentials = struct.calcsize("3i")
with open(output, "ab", buffering=0) as log:
    while True:
        entry, ancillary, _, _ = server.recvmsg(1 << 20, socket.CMSG_SPACE(credentials))
        pid = 0
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(data) >= credentials:
                pid = struct.unpack("3i", data[:credentials])[0]
        log.write(b"_LAB_RECEIVED=%.6f\n_LAB_PID=%d\n" % (time.time(), pid) + entry.rstrip(b"\n") + b"\n\n")
