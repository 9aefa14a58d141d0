# Sourced by the boot stages that need a throw-away root (boot-systemd.sh, boot-overlay.sh).
#
# The host's filesystem is the guest's root and writable: everything a scenario installs or
# writes (dpkg, systemd, Pacemaker) goes to an overlay whose upper layer is a tmpfs, so the host
# stays untouched. Only the results directory ($LAB_OUT) is the host's own, bind-mounted in.
OVERLAY_ROOT=/mnt/root

boot_failed() {
  echo "lab: $LAB_BOOT boot: $*"
  echo 1 > "$LAB_OUT/exit-code"
  sync
  halt -f
}

# prepare_overlay_root: the overlay at $OVERLAY_ROOT, not yet the root.
prepare_overlay_root() {
  insmod "/usr/lib/uml/modules/$(uname -r)/kernel/fs/overlayfs/overlay.ko" || boot_failed "insmod overlay"
  # (A tmpfs over /mnt inside the guest: nothing is created on the host.)
  mount -t tmpfs -o size="${LAB_OVERLAY_SIZE:-1200m}",mode=0755 lab-layers /mnt || boot_failed "tmpfs"
  mkdir -p /mnt/upper /mnt/work "$OVERLAY_ROOT"
  mount -t overlay lab-root -o lowerdir=/,upperdir=/mnt/upper,workdir=/mnt/work "$OVERLAY_ROOT" \
    || boot_failed "overlay mount"
  mount --bind "$LAB_OUT" "$OVERLAY_ROOT$LAB_OUT" || boot_failed "bind $LAB_OUT"
  # The host is a container: with /.dockerenv systemd believes it is one too and ends in rescue;
  # Docker's policy-rc.d forbids maintainer scripts to start services. The guest is a machine.
  rm -f "$OVERLAY_ROOT/.dockerenv" "$OVERLAY_ROOT/usr/sbin/policy-rc.d"
  # modprobe (the package's postinst, a unit's ExecStartPre) finds the UML kernel's modules.
  mkdir -p "$OVERLAY_ROOT/usr/lib/modules"
  ln -sfn "../uml/modules/$(uname -r)" "$OVERLAY_ROOT/usr/lib/modules/$(uname -r)"
}

# pivot_to_overlay_root: the overlay becomes /, with /proc and /sys moved along; /run is left
# for the next stage to mount.
pivot_to_overlay_root() {
  umount /run/netns 2>/dev/null; umount /run 2>/dev/null
  mount --move /proc "$OVERLAY_ROOT/proc" || boot_failed "move /proc"
  mount --move /sys "$OVERLAY_ROOT/sys" || boot_failed "move /sys"
  cd "$OVERLAY_ROOT" || boot_failed "cd $OVERLAY_ROOT"
  mkdir -p oldroot
  pivot_root . oldroot || boot_failed "pivot_root"
  umount -l /oldroot
}
