#!/bin/sh
# keepalived's MISC_CHECK for the comparison benchmark: up (exit 0) when the server at $1
# answers pg_is_in_recovery() = true through a forked psql, as users write these checks.
[ "$(psql "host=$1 port=5432 dbname=postgres user=pglvsd connect_timeout=2" -qAtX -c 'select pg_is_in_recovery()' 2>/dev/null)" = t ]
