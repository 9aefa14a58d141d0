#!/usr/bin/env bash
# Prints a directory holding libpq.so.5 from a libpq newer than Debian 12's (18.x, which has
# require_auth), for LD_LIBRARY_PATH: the integration tests that prove the writer and the probes
# refuse a cleartext or MD5 password request where libpq can. Debian 12 ships only libpq 15;
# psycopg's binary wheel bundles a current libpq with its own OpenSSL and Kerberos (RPATH
# $ORIGIN). The wheel is pinned by version and hash, and cached once fully extracted.
#
#   Tests/Postgres/newer-libpq.sh     prints e.g. /var/cache/pglvsd-tests/psycopg-binary-3.3.9/lib
set -euo pipefail
version=3.3.9
hash=0953c1b94c73f97efce5b8fb1dad85cf5e4085b94902e439e27e6805ebc8be99
cache=${PGLVSD_TEST_CACHE:-/var/cache/pglvsd-tests}/psycopg-binary-$version

if [ ! -e "$cache/lib/libpq.so.5" ]; then
  rm -rf "$cache"; mkdir -p "$cache/download"
  echo "psycopg-binary==$version --hash=sha256:$hash" > "$cache/download/requirements.txt"
  # The cp311 manylinux wheel, whatever Python runs pip: its libpq is all this uses.
  python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --python-version 3.11 --implementation cp --abi cp311 --platform manylinux2014_x86_64 \
    -r "$cache/download/requirements.txt" -d "$cache/download" >&2
  python3 -m zipfile -e "$cache"/download/psycopg_binary-"$version"-*.whl "$cache/download/x"
  libpq=$(find "$cache/download/x" -name 'libpq-*.so.5.*' -print -quit)
  [ -n "$libpq" ] || { echo "newer-libpq.sh: no libpq in psycopg-binary $version" >&2; exit 1; }
  ln -s "$(basename "$libpq")" "$(dirname "$libpq")/libpq.so.5"
  # The cache counts only once complete.
  mv "$(dirname "$libpq")" "$cache/lib"
fi
echo "$cache/lib"
