#!/usr/bin/python3
# A reading application through the reader VIP (pacemaker lab): a fresh connection every
# INTERVAL seconds, one line per attempt: "<epoch seconds> ok <cluster_name> <in recovery>" or
# "<epoch seconds> error <message>". Runs until SIGTERM. No fork per attempt: under UML a psql
# per connection would take more CPU than the cluster it measures.
import signal
import sys
import time

import psycopg2

host, output, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)
with open(output, "a", buffering=1) as log:
    while running:
        started = time.time()
        try:
            # A server cut off mid-read must not hang the client (the director is a real server
            # too, and scenario 8 cuts it): unacknowledged data or a silent peer ends the
            # connection within seconds.
            connection = psycopg2.connect(host=host, port=5432, user="reader", dbname="postgres",
                                          connect_timeout=2, application_name="read-client",
                                          tcp_user_timeout=3000, keepalives=1, keepalives_idle=1,
                                          keepalives_interval=1, keepalives_count=2)
            try:
                cursor = connection.cursor()
                cursor.execute("select current_setting('cluster_name'), pg_is_in_recovery()")
                name, recovery = cursor.fetchone()
                log.write(f"{started:.3f} ok {name} {str(recovery).lower()}\n")
            finally:
                connection.close()
        except Exception as error:  # every failure is a data point, never the end of the client
            message = " ".join(str(error).split())
            log.write(f"{started:.3f} error {message}\n")
        time.sleep(max(0.0, interval - (time.time() - started)))
