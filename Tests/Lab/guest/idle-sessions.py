#!/usr/bin/env python3
"""Two client sessions through the reader VIP, opened together and idle together.

Session A keeps the server's keepalives as the server has them; session B runs
SET tcp_keepalives_idle = 5 (interval 5, count 3) first. Each line of OUT is one fact:
  A|B before PID NODE CLIENT_PORT KEEPALIVES_IDLE
  idle-from EPOCH
  A|B after PID NODE           (the query after the idle time answered)
  A|B failed SECONDS MESSAGE   (it failed, SECONDS after the idle time began)
Usage: idle-sessions.py HOST IDLE_SECONDS OUT
"""
import sys
import time

import psycopg2

host, idle, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]


def note(line):
    with open(out, "a") as f:
        f.write(line + "\n")


def connect():
    # tcp_user_timeout bounds a query whose packets go unanswered; it does not touch idleness.
    c = psycopg2.connect(host=host, port=5432, user="reader", dbname="postgres",
                         connect_timeout=5, tcp_user_timeout=15000)
    c.autocommit = True
    return c


def ask(c):
    with c.cursor() as cur:
        cur.execute("select pg_backend_pid(), current_setting('cluster_name'), inet_client_port(),"
                    " current_setting('tcp_keepalives_idle')")
        return cur.fetchone()


a, b = connect(), connect()
with b.cursor() as cur:
    cur.execute("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3")
for name, c in (("A", a), ("B", b)):
    pid, node, port, keepalive = ask(c)
    note(f"{name} before {pid} {node} {port} {keepalive}")
idle_from = time.time()
note(f"idle-from {idle_from:.3f}")
time.sleep(idle)  # the test is about idle time
for name, c in (("A", a), ("B", b)):
    try:
        pid, node, _, _ = ask(c)
        note(f"{name} after {pid} {node}")
    except psycopg2.Error as error:
        message = (str(error).strip().splitlines() or ["(no message)"])[0]
        note(f"{name} failed {time.time() - idle_from:.1f} {message}")
