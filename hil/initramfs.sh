#!/usr/bin/env bash
# initramfs.sh ARCH KDIR SYSROOT STAGE OUT — builds the VM's initramfs OUT
# (gzip'd newc cpio) from: busybox and the kernel modules of KDIR (fetch.sh),
# hil/init, aplay/arecord and /usr/share/alsa from SYSROOT (sysroot.sh), and
# every file under STAGE copied as is (binaries under test, /etc/hil/cmd,
# /etc/hil/banks, test data). Each dynamically linked binary gets its
# DT_NEEDED closure and its interpreter from SYSROOT (readelf; §2: PortAudio
# cannot be linked fully static from Debian packages).
. "$(dirname "$0")/lib.sh"

[ $# -eq 5 ] || die "usage: initramfs.sh ARCH KDIR SYSROOT STAGE OUT"
ARCH=$1 KDIR=$2 S=$3 STAGE=$4 OUT=$5
check_arch "$ARCH"
for t in cpio readelf gzip; do command -v "$t" >/dev/null || die "$t not found on the host"; done
KVER=$(cat "$KDIR/kver") || die "$KDIR is not a fetched kernel"
MODDIR=$KDIR/modules/lib/modules/$KVER
[ -f "$MODDIR/modules.dep" ] || die "$MODDIR/modules.dep missing (re-run fetch.sh)"
[ -d "$STAGE" ] || die "stage directory $STAGE missing"

R=$(mktemp -d "${OUT}.root.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/bin" "$R/lib/modules" "$R/etc/hil"
cp "$KDIR/busybox" "$R/bin/busybox"
cp "$HIL_DIR/init" "$R/init"
chmod 755 "$R/init"

# Modules in load order, dependencies first, from modules.dep.
MODULES=(configfs gpio-sim soundcore snd snd-timer snd-pcm snd-aloop)
declare -A loaded=()
order=()
load() {
	local m=$1 path line deps d i
	[ -n "${loaded[$m]:-}" ] && return
	line=$(grep -E "(^|/)$m\.ko:" "$MODDIR/modules.dep" | head -1) ||
		die "module $m not in $MODDIR/modules.dep"
	path=${line%%:*}
	deps=${line#*:}
	# modules.dep lists a module's dependencies so that the last loads first.
	local -a ds
	read -r -a ds <<<"$deps"
	for ((i = ${#ds[@]} - 1; i >= 0; i--)); do
		d=$(basename "${ds[i]}" .ko)
		load "$d"
	done
	cp "$MODDIR/$path" "$R/lib/modules/$m.ko"
	loaded[$m]=1
	order+=("$m")
}
for m in "${MODULES[@]}"; do load "$m"; done
printf '%s\n' "${order[@]}" >"$R/etc/hil/modules"

# User space from the sysroot and the stage.
mkdir -p "$R/usr/bin" "$R/usr/share"
cp "$S/usr/bin/aplay" "$S/usr/bin/arecord" "$R/usr/bin/"
cp -a "$S/usr/share/alsa" "$R/usr/share/alsa"
cp -a "$STAGE/." "$R/"

# find_lib NAME prints the path of a shared library in the sysroot.
find_lib() {
	local d
	for d in "lib/$TRIPLET" "usr/lib/$TRIPLET" lib usr/lib; do
		if [ -e "$S/$d/$1" ]; then
			echo "$d/$1"
			return
		fi
	done
	die "shared library $1 not found in the sysroot $S"
}
declare -A copied=()
closure() {
	local f=$1 interp n p
	interp=$(readelf -l "$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ] && [ -z "${copied[$interp]:-}" ]; then
		mkdir -p "$R$(dirname "$interp")"
		cp -L "$S$interp" "$R$interp" || die "interpreter $interp of $f not in the sysroot"
		copied[$interp]=1
	fi
	for n in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -n "${copied[$n]:-}" ] && continue
		p=$(find_lib "$n")
		mkdir -p "$R/$(dirname "$p")"
		cp -L "$S/$p" "$R/$p"
		copied[$n]=1
		closure "$R/$p"
	done
}
while read -r f; do
	if [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		closure "$f"
	fi
done < <(find "$R/usr/bin" "$R/bin" "$R/usr/local/bin" -type f 2>/dev/null)

(cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 >"$OUT"
log "initramfs $OUT: $(du -h "$OUT" | cut -f1), modules: ${order[*]}"
