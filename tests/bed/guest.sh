#!/bin/bash
# Stage 2 of the bed guest, run from the overlay root (the host's files, tmpfs on top).
#   guest.sh pid1     - plain boot: this script is PID 1; sets up mounts and udev itself.
#   guest.sh systemd  - systemd boot: run by bed-run.service; systemd did the mounts and udev.
# Both then load the dm modules, format the scratch disk, run /bed/cmd in the checkout with its
# output on the console, write its exit code to /bed/rc, and power the guest off.
set -u
. /etc/bed.env
export bed_repo bed_mode bed_kver
# /usr/local/bin has an unrelated Docker 28 client on the host: keep Debian's tools first.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 BED_GUEST=1 BED_OUT=/bed BED_SCRATCH=/scratch
export BED_ROOTFS_TAR="$bed_repo/.cache/bed/busybox-rootfs.tar"
# The command's own terminal: the second serial port, streamed to the host by run.py.
# (ttyS0 is the kernel/systemd console, kept in console.log, so the two never interleave.)
export BED_TTY=/dev/ttyS1 SYSTEMD_PAGER=cat PAGER=cat
mode=${1:-pid1}
say() { echo "[bed] $*" >"$BED_TTY"; }
die() { echo "bed-init: FAILED: $*" | tee "$BED_TTY"; finish 125; }

finish() {
    echo "$1" >/bed/rc
    sync
    if [ "$mode" = pid1 ]; then
        # No init to return to: power off right now (the results share has no cache to flush).
        systemctl poweroff -ff 2>/dev/null || echo o >/proc/sysrq-trigger
        sleep 30
    fi
    exit 0  # systemd mode: bed-run.service powers the guest off when this returns
}

if [ "$mode" = pid1 ]; then
    mkdir -p /run/lock /dev/pts /dev/shm
    mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mount -t cgroup2 cgroup2 /sys/fs/cgroup   # Docker 20.10 runs containers on cgroup v2
    hostname bed-guest
    ip link set lo up
    # Docker's devicemapper driver waits for udev to create /dev/mapper nodes (udev sync).
    /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 || die "systemd-udevd did not start"
    udevadm trigger --action=add >/dev/null 2>&1
fi
udevadm settle --timeout=30 || true

modprobe -a loop dm-mod dm-thin-pool dm-snapshot xfs ext4 || die "modprobe dm/loop/xfs ($bed_kver)"
# The scratch disk (a sparse file on the host, new for each boot) holds loop files and data roots.
mkdir -p /scratch
mkfs.xfs -q -f /dev/vda >/dev/null && mount -o noatime /dev/vda /scratch || die "scratch disk /dev/vda"

[ -f /bed/cmd ] || die "no command in /bed/cmd"
cd "$bed_repo" || die "cd $bed_repo"
say "running the command (mode $mode, kernel $bed_kver, $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MiB)"
bash /bed/cmd </dev/null >"$BED_TTY" 2>&1
rc=$?
say "command exited with $rc"
finish "$rc"
