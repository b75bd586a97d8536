#!/usr/bin/env bash
# fetch.sh ARCH — fetches and builds what the hardware-in-the-loop VM needs
# for ARCH (amd64 or arm64) into the cache, and prints the kernel directory:
#   KDIR/vmlinuz, KDIR/modules/lib/modules/KVER/..., KDIR/gpio-sim.ko,
#   KDIR/busybox, KDIR/kver
# Nothing is installed into the host; the result is keyed by the kernel
# version, so a second run only refreshes the package lists (daily).
# See docs/hardware.md "Hardware-in-the-loop" and
# /work/shared/HARDWARE-TESTING.md §2–§3 for where each step comes from.
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: fetch.sh amd64|arm64"
ARCH=$1
check_arch "$ARCH"
for t in dpkg-deb make gcc tar xz depmod; do
	command -v "$t" >/dev/null || die "$t not found on the host"
done
if [ "$ARCH" = arm64 ]; then
	command -v aarch64-linux-gnu-gcc >/dev/null ||
		die "aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
fi

apt_setup amd64 # the kbuild tools always run on the host
[ "$ARCH" = amd64 ] || apt_setup "$ARCH"

# The archive keeps only the latest kernel: resolve the meta-package.
KVER=$(apt_run "$ARCH" apt-cache depends "linux-image-$ARCH" |
	sed -n "s/^ *Depends: linux-image-\(.*-$ARCH\)$/\1/p" | head -1)
[ -n "$KVER" ] || die "cannot resolve linux-image-$ARCH to a kernel version"
ABI=${KVER%-"$ARCH"}    # 6.1.0-48
SERIES=${KVER%%.*}.$(echo "$KVER" | cut -d. -f2) # 6.1
KDIR=$HIL_CACHE/kernel/$KVER
if [ -e "$KDIR/done" ]; then
	log "kernel $KVER cached in $KDIR"
	echo "$KDIR"
	exit 0
fi
log "kernel $KVER (headers $ABI-common, kbuild $SERIES)"

# prune_modules DIR keeps only the module directories the VM loads from
# (sound, configfs, gpio-sim: initramfs.sh's list and their modules.dep
# closure), about 360 MB less per kernel.
prune_modules() {
	find "$1/kernel" -mindepth 1 -maxdepth 1 ! -name sound ! -name fs -exec rm -rf {} +
	find "$1/kernel/fs" -mindepth 1 -maxdepth 1 ! -name configfs -exec rm -rf {} +
}

DEBS=$HIL_CACHE/debs
apt_fetch "$ARCH" "$DEBS/$ARCH" "linux-image-$KVER" "linux-headers-$KVER" busybox-static
apt_fetch amd64 "$DEBS/all" "linux-headers-$ABI-common" "linux-source-$SERIES"
apt_fetch amd64 "$DEBS/amd64" "linux-kbuild-$SERIES"

rm -rf "$KDIR.tmp"
mkdir -p "$KDIR.tmp"
T=$KDIR.tmp

# Kernel image and modules.
dpkg-deb -x "$(deb_of "$DEBS/$ARCH" "linux-image-$KVER")" "$T/image"
cp "$T/image/boot/vmlinuz-$KVER" "$T/vmlinuz"
mkdir -p "$T/modules/lib"
mv "$T/image/lib/modules" "$T/modules/lib/modules"
rm -rf "$T/image"

# Headers, common headers and the host's kbuild tools in one tree.
H=$T/headers
for d in "$(deb_of "$DEBS/$ARCH" "linux-headers-$KVER")" \
	"$(deb_of "$DEBS/all" "linux-headers-$ABI-common")" \
	"$(deb_of "$DEBS/amd64" "linux-kbuild-$SERIES")"; do
	dpkg-deb -x "$d" "$H"
done
KH=$H/usr/src/linux-headers-$KVER
[ -f "$KH/Makefile" ] || die "headers of $KVER lack a Makefile"
# Fix 1 (HARDWARE-TESTING.md §2): the headers' Makefile includes an absolute
# /usr/src path; point it at the unpacked tree.
sed -i "s|/usr/src/|$H/usr/src/|g" "$KH/Makefile"
# Absolute symlinks in the unpacked tree would point into the host.
find "$H" -type l -lname '/*' | while read -r l; do
	ln -sfn "$H$(readlink "$l")" "$l"
done

# gpio-sim and irq_sim from the matching kernel source (Debian kernels build
# neither: CONFIG_GPIO_SIM and CONFIG_IRQ_SIM are unset).
SRC=$HIL_CACHE/src/$(basename "$(deb_of "$DEBS/all" "linux-source-$SERIES")" .deb)
if [ ! -e "$SRC/done" ]; then
	log "extract gpio-sim sources from linux-source-$SERIES"
	rm -rf "$SRC" && mkdir -p "$SRC"
	dpkg-deb --fsys-tarfile "$(deb_of "$DEBS/all" "linux-source-$SERIES")" |
		tar -x -C "$SRC" --wildcards './usr/src/linux-source-*.tar.xz'
	tar -xJf "$SRC"/usr/src/linux-source-*.tar.xz -C "$SRC" --strip-components=1 --wildcards \
		'*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c'
	rm -rf "$SRC/usr"
	touch "$SRC/done"
fi
M=$T/mod
mkdir -p "$M"
cp "$SRC/drivers/gpio/gpio-sim.c" "$M/gpio-sim-main.c"
cp "$SRC/drivers/gpio/gpiolib.h" "$M/gpiolib.h"
# Fix 2 (HARDWARE-TESTING.md §2): irq_to_desc is not exported to modules.
sed 's/handle_simple_irq(irq_to_desc(\([a-z_]*\)))/generic_handle_irq(\1)/' \
	"$SRC/kernel/irq/irq_sim.c" >"$M/irq_sim.c"
grep -q 'generic_handle_irq(' "$M/irq_sim.c" || die "irq_sim.c: the irq_to_desc fix did not apply"
cat >"$M/Kbuild" <<'KB'
obj-m := gpio-sim.o
gpio-sim-y := gpio-sim-main.o irq_sim.o
KB
log "build gpio-sim.ko for $KVER"
if [ "$ARCH" = amd64 ]; then
	make -s -C "$KH" M="$M" modules >"$T/build.log" 2>&1 || { cat "$T/build.log" >&2; die "gpio-sim build failed"; }
else
	# §3: cross-build with the amd64 kbuild tools.
	make -s -C "$KH" M="$M" DEB_BUILD_ARCH=amd64 DEB_HOST_ARCH="$ARCH" \
		DEB_HOST_GNU_TYPE="$TRIPLET" modules >"$T/build.log" 2>&1 ||
		{ cat "$T/build.log" >&2; die "gpio-sim build failed"; }
fi
cp "$M/gpio-sim.ko" "$T/gpio-sim.ko"
# The .deb ships no modules.dep (depmod runs at install): make one, with
# gpio-sim in it, for the initramfs builder.
mkdir -p "$T/modules/lib/modules/$KVER/extra"
cp "$M/gpio-sim.ko" "$T/modules/lib/modules/$KVER/extra/"
depmod -b "$T/modules" "$KVER" || die "depmod of $KVER failed"
prune_modules "$T/modules/lib/modules/$KVER"

dpkg-deb -x "$(deb_of "$DEBS/$ARCH" busybox-static)" "$T/bb"
cp "$T/bb/bin/busybox" "$T/busybox"
rm -rf "$T/bb" "$H" "$M"
echo "$KVER" >"$T/kver"
touch "$T/done"
rm -rf "$KDIR"
mv "$T" "$KDIR"
log "kernel $KVER ready in $KDIR"
echo "$KDIR"
