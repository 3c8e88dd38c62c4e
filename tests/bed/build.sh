#!/bin/bash
# Builds the test bed's boot files from Debian packages into .cache/bed/ (git-ignored):
#   vmlinuz, modules/lib/modules/KVER (depmod'ed), initramfs.gz, busybox-rootfs.tar, kver.
# Rebuilt only when an input changes: this script, init.sh, the kernel package below, busybox-static.
# Nothing outside .cache/bed/ is written; the kernel package is unpacked, never installed.
set -euo pipefail

# Bed inputs. Kernel: newest Debian 12 6.1 image seen with `apt-cache search linux-image-6.1.0`.
KERNEL_ABI=6.1.0-56-amd64
KERNEL_DEB_VERSION=6.1.192-2
# Modules the initramfs loads before switch_root (their dependencies are added in order).
INITRD_MODULES="virtio_pci virtio_blk 9pnet_virtio 9p overlay"

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${BED_CACHE:-$REPO/.cache/bed}
die() { echo "test bed: $*" >&2; exit 1; }

for tool in dpkg-deb depmod modprobe cpio gzip busybox apt-get flock sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found; run make setup"
done
[ -x /bin/busybox ] && file_is_static=$(ldd /bin/busybox 2>&1 || true)
case "${file_is_static:-}" in *"not a dynamic"*) ;; *) die "/bin/busybox is not static; run make setup (busybox-static)";; esac

BUSYBOX_VERSION=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) || die "busybox-static not installed; run make setup"
INPUTS=$(cat "$HERE/build.sh" "$HERE/init.sh"; echo "$KERNEL_ABI $KERNEL_DEB_VERSION $BUSYBOX_VERSION")
HASH=$(printf '%s' "$INPUTS" | sha256sum | cut -c1-16)

mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
flock 9   # two bed runs at once must not build over each other
if [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$HASH" ]; then
    exit 0
fi
echo "test bed: building boot files in $CACHE (kernel $KERNEL_ABI $KERNEL_DEB_VERSION, busybox $BUSYBOX_VERSION)" >&2
start=$(date +%s)

NEW="$CACHE/build.new"
rm -rf "$NEW" && mkdir -p "$NEW/dl"
DEB="linux-image-$KERNEL_ABI"
# apt-get download writes into the current directory only.
( cd "$NEW/dl" && apt-get download -q=2 "$DEB=$KERNEL_DEB_VERSION" ) 2>"$NEW/apt.err" \
    || die "could not download $DEB=$KERNEL_DEB_VERSION ($(grep -m1 -E '^E:' "$NEW/apt.err" || echo apt-get failed)); update KERNEL_* in tests/bed/build.sh from 'apt-cache search linux-image-6.1.0'"

dpkg-deb -x "$NEW"/dl/*.deb "$NEW/pkg"
cp "$NEW/pkg/boot/vmlinuz-$KERNEL_ABI" "$NEW/vmlinuz"
mkdir -p "$NEW/modules/lib"
mv "$NEW/pkg/lib/modules" "$NEW/modules/lib/modules"
depmod -b "$NEW/modules" "$KERNEL_ABI"
rm -rf "$NEW/pkg" "$NEW/dl"

# initramfs: static busybox, the modules in dependency order, and init.sh as /init.
RD="$NEW/initrd"
mkdir -p "$RD"/{bin,dev,proc,sys,lower,upper,newroot,modules}
cp /bin/busybox "$RD/bin/busybox"
ln -s busybox "$RD/bin/sh"
cp "$HERE/init.sh" "$RD/init" && chmod 755 "$RD/init"
for m in $(modprobe -a -d "$NEW/modules" -S "$KERNEL_ABI" --show-depends $INITRD_MODULES | awk '$1 == "insmod" {print $2}'); do
    name=$(basename "$m")
    grep -qx "$name" "$RD/modules/order" 2>/dev/null && continue
    cp "$m" "$RD/modules/$name"
    echo "$name" >>"$RD/modules/order"
done
( cd "$RD" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 ) | gzip -9 >"$NEW/initramfs.gz"
rm -rf "$RD"

# A minimal image rootfs for `docker import`: the host's static busybox and its applet links.
ROOTFS="$NEW/rootfs"
mkdir -p "$ROOTFS"/{bin,dev,etc,proc,sys,tmp,root,var}
cp /bin/busybox "$ROOTFS/bin/busybox"
for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$ROOTFS/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOTFS/etc/passwd"
tar --numeric-owner --owner=0 --group=0 -C "$ROOTFS" -cf "$NEW/busybox-rootfs.tar" .
rm -rf "$ROOTFS"

echo "$KERNEL_ABI" >"$NEW/kver"
echo "$HASH" >"$NEW/stamp"
# Swap the finished build in; runs/ (per-boot scratch) is kept.
for f in vmlinuz initramfs.gz busybox-rootfs.tar kver modules; do
    rm -rf "${CACHE:?}/$f" && mv "$NEW/$f" "$CACHE/$f"
done
mv "$NEW/stamp" "$CACHE/stamp"
rm -rf "$NEW"
echo "test bed: built in $(( $(date +%s) - start ))s (initramfs $(du -h "$CACHE/initramfs.gz" | cut -f1))" >&2
