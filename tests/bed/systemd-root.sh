#!/bin/sh
# Run by the initramfs (busybox sh) before switch_root in systemd mode: adds to the overlay's
# tmpfs upper layer what systemd needs to boot the host's own systemd into the test command.
#   systemd-root.sh NEWROOT REPO
set -e
root=$1
repo=$2
units=$root/etc/systemd/system

# Units the host enabled itself (docker.socket, timers, fstrim, postgres, ...) must not start in
# the guest: mask each one. Debian's static units (journald, udevd, tmpfiles) stay.
for link in "$units"/*.wants/* "$units"/*.requires/*; do
    [ -e "$link" ] || [ -L "$link" ] || continue
    name=${link##*/}
    ln -sf /dev/null "$units/$name"
done
for name in docker.service docker.socket containerd.service getty@.service serial-getty@.service \
        systemd-firstboot.service systemd-networkd.service systemd-resolved.service \
        lvm2-monitor.service dm-event.socket dm-event.service fstrim.timer; do
    ln -sf /dev/null "$units/$name"
done

cp "$root$repo/tests/bed/units/bed.target" "$root$repo/tests/bed/units/bed-run.service" "$units/"
ln -sf bed.target "$units/default.target"
