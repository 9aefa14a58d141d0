#!/bin/bash
# First stage of a lab under real systemd (exec'd by init.sh as PID 1, modules loaded): a
# throw-away root (overlay-root.sh), then systemd 252 as PID 1 with journald, and the scenario
# as a unit.
set -u
source "$LAB_DIR/overlay-root.sh"
prepare_overlay_root
new=$OVERLAY_ROOT

# Nothing enabled on the host starts here (PostgreSQL, timers, getty): only journald, D-Bus
# (systemd-analyze security asks PID 1 over it) and the scenario. Units themselves stay, so the
# package's unit is found and enabled the usual way.
rm -rf "$new"/etc/systemd/system/*.wants "$new"/usr/lib/systemd/system/*.wants
units=$new/etc/systemd/system
mkdir -p "$units/sockets.target.wants" "$units/sysinit.target.wants" "$units/multi-user.target.wants"
for socket in systemd-journald.socket systemd-journald-dev-log.socket dbus.socket; do
  ln -s "/lib/systemd/system/$socket" "$units/sockets.target.wants/$socket"
done
ln -s /lib/systemd/system/systemd-journald.service "$units/sysinit.target.wants/systemd-journald.service"
ln -sfn /lib/systemd/system/multi-user.target "$units/default.target"
cat > "$units/lab-scenario.service" <<UNIT
[Unit]
Description=pglvsd lab scenario $LAB_SCENARIO under systemd
After=multi-user.target dbus.socket systemd-journald.socket
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=exec
Environment=LAB_SCENARIO=$LAB_SCENARIO LAB_OUT=$LAB_OUT LAB_DIR=$LAB_DIR PGLVSD=$PGLVSD PGLVSD_DEB=${PGLVSD_DEB:-}
Environment=PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
ExecStart=/bin/bash $LAB_DIR/scenario-$LAB_SCENARIO.sh
StandardOutput=journal+console
StandardError=journal+console
RuntimeMaxSec=${LAB_SCENARIO_TIMEOUT:-900}
UNIT
ln -s ../lab-scenario.service "$units/multi-user.target.wants/lab-scenario.service"

# Every service gets init.sh's GLIBC_TUNABLES (no AVX-512 in glibc under UML).
mkdir -p "$new/etc/systemd/system.conf.d"
printf '[Manager]\nDefaultEnvironment=GLIBC_TUNABLES=%s\n' "$GLIBC_TUNABLES" > "$new/etc/systemd/system.conf.d/lab.conf"

# No generators (fstab, getty, the host's SysV scripts): the lab's units are all there is.
mkdir -p "$new/etc/lab-no-generators"
pivot_to_overlay_root
exec env -i GLIBC_TUNABLES="$GLIBC_TUNABLES" SYSTEMD_GENERATOR_PATH=/etc/lab-no-generators SYSTEMD_ENVIRONMENT_GENERATOR_PATH=/etc/lab-no-generators \
  PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd
