#!/usr/bin/env bash
# scripts/install with PREFIX and DESTDIR puts every file where it belongs, and the installed
# binary runs.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
stage=$(mktemp -d /tmp/pglvsd-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
passed=0 failed=0
output=$(cd "$root" && PREFIX=/usr DESTDIR="$stage" CONFIGURATION=debug scripts/install 2>&1) || {
  echo "FAIL: scripts/install: $output"; echo "install: 0 passed, 1 failed"; exit 1; }
for file in usr/bin/pglvsd usr/share/man/man8/pglvsd.8 usr/lib/systemd/system/pglvsd.service etc/pglvsd/pglvsd.yaml \
            usr/lib/ocf/resource.d/pglvsd/lvsdr usr/lib/ocf/resource.d/pglvsd/lvsdr-realsvr \
            usr/lib/modules-load.d/pglvsd.conf usr/lib/sysctl.d/pglvsd.conf; do
  if [ -s "$stage/$file" ]; then passed=$((passed + 1)); else echo "FAIL: install did not create /$file"; failed=$((failed + 1)); fi
done
# The service's dynamic user reads the configuration (it holds no secret).
mode=$(stat -c %a "$stage/etc/pglvsd/pglvsd.yaml")
if [ "$mode" = 644 ]; then
  passed=$((passed + 1))
else
  echo "FAIL: the example configuration is installed mode $mode (the service's dynamic user cannot read it)"; failed=$((failed + 1))
fi
if grep -q "^ExecStart=/usr/bin/pglvsd run" "$stage/usr/lib/systemd/system/pglvsd.service"; then
  passed=$((passed + 1))
else
  echo "FAIL: the installed unit does not run /usr/bin/pglvsd"; failed=$((failed + 1))
fi
if "$stage/usr/bin/pglvsd" check-config -c "$stage/etc/pglvsd/pglvsd.yaml" >/dev/null; then
  passed=$((passed + 1))
else
  echo "FAIL: the installed binary rejects the installed example"; failed=$((failed + 1))
fi
if man -l "$stage/usr/share/man/man8/pglvsd.8" 2>/dev/null | grep -q "check-config"; then
  passed=$((passed + 1))
else
  echo "FAIL: the man page does not describe check-config"; failed=$((failed + 1))
fi
if OCF_ROOT=/usr/lib/ocf "$stage/usr/lib/ocf/resource.d/pglvsd/lvsdr" meta-data | grep -q '<resource-agent name="lvsdr"'; then
  passed=$((passed + 1))
else
  echo "FAIL: the installed lvsdr agent prints no meta-data"; failed=$((failed + 1))
fi
[ "$failed" -eq 0 ] && echo "PASS: scripts/install with PREFIX=/usr DESTDIR=$stage installed binary, man page, unit, example (0644), resource agents, modules-load.d and sysctl.d"
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
