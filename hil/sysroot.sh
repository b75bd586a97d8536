#!/usr/bin/env bash
# sysroot.sh ARCH — builds a private Debian sysroot for ARCH in the cache
# (HARDWARE-TESTING.md §3: apt-get install -d with a private apt state, then
# dpkg-deb -x of each package; nothing is installed into the host) and prints
# its path. It holds what the VM's user space and the cgo builds need:
# alsa-utils (aplay, arecord), libasound2 and its configuration in
# /usr/share/alsa, PortAudio, and libc with its development files.
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || die "usage: sysroot.sh amd64|arm64"
ARCH=$1
check_arch "$ARCH"
PKGS=(libc6-dev alsa-utils libasound2 libasound2-dev libportaudio2 portaudio19-dev)

apt_setup "$ARCH"
S=$HIL_CACHE/sysroot/$ARCH
# --print-uris lists only what is not in the archive cache: ask with an empty one.
E=$HIL_CACHE/apt/$ARCH/empty-archives
mkdir -p "$E/partial"
want=$(apt_run "$ARCH" apt-get install -y --print-uris -qq -o Dir::Cache::archives="$E" "${PKGS[@]}" |
	awk '{print $2}' | sort)
[ -n "$want" ] || die "apt resolved no packages for the $ARCH sysroot"
if [ -e "$S/.packages" ] && [ "$(cat "$S/.packages")" = "$want" ]; then
	log "sysroot $ARCH cached in $S"
	echo "$S"
	exit 0
fi
log "sysroot $ARCH: $(echo "$want" | wc -l) packages"
apt_run "$ARCH" apt-get install -y -d -qq "${PKGS[@]}" >/dev/null || die "download of the $ARCH sysroot failed"
rm -rf "$S.tmp" && mkdir -p "$S.tmp"
A=$HIL_CACHE/apt/$ARCH/cache/archives
for f in $want; do
	[ -f "$A/$f" ] || die "sysroot: $f was not downloaded"
	dpkg-deb -x "$A/$f" "$S.tmp"
done
# Absolute symlinks (libfoo.so -> /lib/...) must resolve inside the sysroot.
find "$S.tmp" -type l -lname '/*' | while read -r l; do
	ln -sfn "$S$(readlink "$l")" "$l"
done
echo "$want" >"$S.tmp/.packages"
rm -rf "$S" && mv "$S.tmp" "$S"
log "sysroot $ARCH ready in $S"
echo "$S"
