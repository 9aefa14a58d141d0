#!/usr/bin/python3
"""A stand-in for journald's native socket: appends each entry to a file, preceded by
_LAB_RECEIVED=<epoch seconds> (the receive time, as journald's __REALTIME_TIMESTAMP), so the
lab can read reaction times off the entries."""
import os
import socket
import sys
import time

path, output = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(path), exist_ok=True)
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(path)
with open(output, "ab", buffering=0) as log:
    while True:
        entry = server.recv(1 << 20)
        log.write(b"_LAB_RECEIVED=%.6f\n" % time.time() + entry.rstrip(b"\n") + b"\n\n")
