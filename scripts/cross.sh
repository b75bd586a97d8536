#!/usr/bin/env bash
# Cross-builds linetapd and linetap for linux/arm64 and linux/arm (GOARM=7)
# with cgo PortAudio (build tag portaudio), against a private sysroot per
# target: Debian's arm packages of portaudio19-dev and libasound2-dev and
# their dependencies, downloaded through a private apt configuration and
# unpacked with dpkg-deb (nothing is installed into the host, no
# `dpkg --add-architecture`). See docs/hardware.md and HARDWARE-TESTING §3.
#
# Needs: gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf
# libc6-dev-armhf-cross pkg-config (apt), and network for the first run.
#
#   scripts/cross.sh [arm64] [armv7]      (default: both)
#   CROSS_CACHE=dir   where sysroots are kept (default ~/.cache/linetap-cross)
#   BIN=dir           output root (default bin): bin/linux-arm64/, bin/linux-armv7/
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
BIN=${BIN:-bin}
CACHE=${CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linetap-cross}
VERSION=$(git describe --always --dirty 2>/dev/null || echo dev)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(arm64 armv7)

# sysroot ARCH TRIPLET: prints the sysroot directory, building it once.
sysroot() {
  local arch=$1 triplet=$2
  local d; d=$(realpath -m "$CACHE/$arch")
  local s=$d/sysroot
  if [ -f "$s/.complete" ]; then echo "$s"; return; fi
  rm -rf "$d"; mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$s"
  : > "$d/status"
  local apt=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
    -o "Dir::State=$d/state" -o "Dir::State::status=$d/status"
    -o "Dir::Cache=$d/cache" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  echo "cross: building the $arch sysroot in $s" >&2
  # A mirror mid-sync can fail one index (often -security); the packages
  # come from the main archive, so go on and let the install decide.
  apt-get "${apt[@]}" -qq update >&2 || echo "cross: apt-get update reported errors; trying anyway" >&2
  apt-get "${apt[@]}" -qq -y -d --no-install-recommends install portaudio19-dev libasound2-dev >&2
  for deb in "$d"/cache/archives/*.deb; do dpkg-deb -x "$deb" "$s"; done
  # Absolute symlinks inside the sysroot must point into it (relatively,
  # so the cache can move).
  find "$s" -type l -lname '/*' | while read -r l; do
    ln -sfn "$(realpath -m --relative-to="$(dirname "$l")" "$s$(readlink "$l")")" "$l"
  done
  [ -f "$s/usr/lib/$triplet/pkgconfig/portaudio-2.0.pc" ] || { echo "cross: $arch sysroot lacks portaudio-2.0.pc" >&2; exit 1; }
  touch "$s/.complete"
  echo "$s"
}

for t in "${targets[@]}"; do
  case $t in
    arm64) arch=arm64 triplet=aarch64-linux-gnu goarch=arm64 goarm= ;;
    armv7) arch=armhf triplet=arm-linux-gnueabihf goarch=arm goarm=7 ;;
    *) echo "cross: unknown target $t (want arm64 or armv7)" >&2; exit 2 ;;
  esac
  command -v "$triplet-gcc" >/dev/null || { echo "cross: $triplet-gcc missing (apt-get install gcc-$triplet libc6-dev-$arch-cross)" >&2; exit 1; }
  S=$(sysroot "$arch" "$triplet")
  out=$BIN/linux-$t
  mkdir -p "$out"
  echo "cross: $t → $out/"
  CGO_ENABLED=1 GOOS=linux GOARCH=$goarch GOARM=$goarm \
    CC="$triplet-gcc --sysroot=$S" \
    PKG_CONFIG_SYSROOT_DIR=$S \
    PKG_CONFIG_LIBDIR=$S/usr/lib/$triplet/pkgconfig:$S/usr/share/pkgconfig \
    $GO build -tags portaudio -ldflags "-X main.version=$VERSION" -o "$out/" ./cmd/linetapd ./cmd/linetap
done
