#!/bin/sh
# Stage 1 of the bed guest: /init in the initramfs (static busybox).
# Mounts the host's / read-only over 9p as the lower layer of an overlay whose upper layer is a
# tmpfs, so the guest runs the host's own Python, dmsetup and docker and writes nothing to the host.
# Then switch_root into it: plain mode runs tests/bed/guest.sh as PID 1, systemd mode runs systemd.
# Kernel command-line words key=value arrive here as environment variables (bed_repo, bed_mode, ...).
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
    # The runner looks for this line to give a one-line reason.
    echo "bed-init: FAILED: $*"
    sleep 1
    poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do
    insmod "/modules/$m" || fail "insmod $m"
done

# cache=loose: the lower layer is read-only for this boot, and Python's many stat()s get cheap.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower \
    || fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=755,size=60% upper /upper || fail "tmpfs upper"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot \
    || fail "overlay mount over the 9p root"
[ -d "/newroot$bed_repo" ] || fail "repo $bed_repo not visible in the guest"

# The writable share that carries the command in and the results out (no cache: every write lands).
mkdir -p /newroot/bed
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 bedout /newroot/bed || fail "cannot mount the results share"

# The unpacked Debian kernel's modules, at the path modprobe expects.
mkdir -p /newroot/usr/lib/modules
mount --bind "/newroot$bed_repo/.cache/bed/modules/lib/modules" /newroot/usr/lib/modules || fail "bind modules"

# Fresh tmpfs for /run, /tmp, /var/tmp: the host's must not show through (systemd-tmpfiles would
# otherwise walk and "clean" the host's /tmp over 9p, copying it up).
mount -t tmpfs -o mode=755 run /newroot/run
mount -t tmpfs -o mode=1777 tmp /newroot/tmp
mount -t tmpfs -o mode=1777 vartmp /newroot/var/tmp

# The checkout, mounted on its own at its own path (read-only share, writable tmpfs layer on top):
# a clone under /tmp (as CI may make) would otherwise be hidden by the tmpfs above.
mkdir -p /repo-lower /upper/repo-u /upper/repo-w "/newroot$bed_repo"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 bedrepo /repo-lower \
    || fail "cannot mount the checkout over 9p"
mount -t overlay -o lowerdir=/repo-lower,upperdir=/upper/repo-u,workdir=/upper/repo-w repo "/newroot$bed_repo" \
    || fail "overlay mount over the checkout"

# Settings for stage 2 (systemd does not hand its environment to services, so use a file).
{
    echo "bed_repo=$bed_repo"
    echo "bed_mode=$bed_mode"
    echo "bed_kver=$(uname -r)"
} >/newroot/etc/bed.env

# Host state that must not leak into the guest: the host's fstab (its disks are not here).
: >/newroot/etc/fstab

for d in /proc /sys /dev; do mount --move "$d" "/newroot$d" 2>/dev/null || umount "$d"; done
if [ "$bed_mode" = systemd ]; then
    sh "/newroot$bed_repo/tests/bed/systemd-root.sh" /newroot "$bed_repo" || fail "systemd-root.sh"
    exec switch_root /newroot /lib/systemd/systemd
fi
exec switch_root /newroot /bin/bash "$bed_repo/tests/bed/guest.sh" pid1
