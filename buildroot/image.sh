#!/usr/bin/env bash
# image.sh: builds the linetap appliance image with Buildroot (`make image`).
#
#   buildroot/image.sh [BOARD]        BOARD: rpi4-64 (default) or rpi3
#
# Steps, each failing early with a message that says what is wrong:
#   1. download Buildroot BUILDROOT_VERSION (a 2025.02.x LTS release) from
#      BUILDROOT_URL into BR_CACHE, and check its SHA-256 against the
#      release's .sign file (and its PGP signature when gpg has the key);
#   2. check the build machine has what Buildroot needs (Buildroot manual,
#      "System requirements") and that Buildroot's Go is new enough for the
#      go directive of go.mod;
#   3. stage this repository's committed tree (git archive HEAD) and vendor
#      its Go modules (go mod vendor: Buildroot builds Go offline, with
#      -mod=vendor), and point the linetap package at it through
#      LINETAP_OVERRIDE_SRCDIR in the output's local.mk;
#   4. make linetap_<board>_defconfig and make, with BR2_EXTERNAL=buildroot.
#
# Results in BR_OUTPUT/<board>/images: sdcard.img (flash it with dd or
# Raspberry Pi Imager) and linetap-<board>-<version>.raucb (the update).
# A first build downloads about 1 GB of sources and takes an hour or more.
#
# Environment: BUILDROOT_VERSION, BUILDROOT_URL, BR_CACHE, BR_OUTPUT, GO,
# LINETAP_RAUC_CERT / LINETAP_RAUC_KEY (production update signing
# key; without them a development key is made, see docs/appliance.md).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BOARD=${1:-${BOARD:-rpi4-64}}
BUILDROOT_VERSION=${BUILDROOT_VERSION:-2025.02.18}
BUILDROOT_URL=${BUILDROOT_URL:-https://buildroot.org/downloads}
BR_CACHE=${BR_CACHE:-$REPO/bin/buildroot-cache}
BR_OUTPUT=${BR_OUTPUT:-$REPO/bin/buildroot}
GO=${GO:-go}

die() {
	printf 'image: %s\n' "$*" >&2
	exit 1
}

case "$BOARD" in
rpi4-64 | rpi3) ;;
*) die "unknown board '$BOARD' (want rpi4-64 or rpi3)" ;;
esac
defconfig="linetap_${BOARD//-/_}_defconfig"
[ -f "$HERE/configs/$defconfig" ] || die "missing $HERE/configs/$defconfig"
case "$BUILDROOT_VERSION" in
2024.02.* | 2025.02.*) ;;
*) die "BUILDROOT_VERSION=$BUILDROOT_VERSION is not a 2024.02.x or 2025.02.x LTS release" ;;
esac

# ---- 1. Buildroot itself
fetch() { # URL FILE
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --connect-timeout 15 --retry 2 -o "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -T 15 -t 2 -O "$2" "$1"
	else
		die "neither curl nor wget is installed: apt-get install curl"
	fi
}

tarball="buildroot-$BUILDROOT_VERSION.tar.xz"
mkdir -p "$BR_CACHE"
if [ ! -f "$BR_CACHE/$tarball" ]; then
	echo "image: downloading $BUILDROOT_URL/$tarball"
	if ! fetch "$BUILDROOT_URL/$tarball" "$BR_CACHE/$tarball.part"; then
		rm -f "$BR_CACHE/$tarball.part"
		die "cannot download Buildroot $BUILDROOT_VERSION from $BUILDROOT_URL/$tarball.
image: Building the image needs network access (Buildroot, then about 1 GB of
image: package sources). On a machine without it, copy $tarball into
image: $BR_CACHE and the sources into BR2_DL_DIR, or build elsewhere."
	fi
	if ! fetch "$BUILDROOT_URL/$tarball.sign" "$BR_CACHE/$tarball.sign"; then
		rm -f "$BR_CACHE/$tarball.part" "$BR_CACHE/$tarball.sign"
		die "cannot download $BUILDROOT_URL/$tarball.sign to check the tarball"
	fi
	mv "$BR_CACHE/$tarball.part" "$BR_CACHE/$tarball"
fi
if [ -f "$BR_CACHE/$tarball.sign" ]; then
	want=$(grep -E "^SHA256: [0-9a-f]{64} +$tarball\$" "$BR_CACHE/$tarball.sign" | awk '{print $2}')
	[ -n "$want" ] || die "$BR_CACHE/$tarball.sign has no SHA256 line for $tarball"
	got=$(sha256sum "$BR_CACHE/$tarball" | awk '{print $1}')
	[ "$got" = "$want" ] || die "$tarball: SHA-256 $got, the release says $want; delete it and retry"
	if command -v gpg >/dev/null 2>&1 && gpg --verify "$BR_CACHE/$tarball.sign" >/dev/null 2>&1; then
		echo "image: $tarball: SHA-256 and PGP signature good"
	else
		echo "image: $tarball: SHA-256 good (PGP signature not checked: import the Buildroot release key to check it)"
	fi
else
	echo "image: warning: no $tarball.sign beside the cached tarball; SHA-256 not checked"
fi
BR="$BR_CACHE/buildroot-$BUILDROOT_VERSION"
if [ ! -f "$BR/Makefile" ]; then
	tar -xJf "$BR_CACHE/$tarball" -C "$BR_CACHE" || die "cannot unpack $tarball"
fi

# ---- 2. the build machine and Buildroot's Go
missing=()
for t in make gcc g++ patch perl python3 rsync bc cpio unzip file tar xz bzip2 gzip which git "$GO"; do
	command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[ "${#missing[@]}" -eq 0 ] || die "missing build tools: ${missing[*]} (Buildroot manual, \"System requirements\"; Debian: apt-get install build-essential rsync bc cpio unzip file python3 git, and Go for vendoring)"

need_go=$(sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$REPO/go.mod")
br_go=$(grep -rhoE '^GO_VERSION = [0-9.]+' "$BR/package/go" 2>/dev/null | head -n1 | awk '{print $3}')
[ -n "$br_go" ] || die "cannot find GO_VERSION under $BR/package/go"
# version_ge A B: A >= B, comparing dotted numbers.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }
if ! version_ge "$br_go" "$need_go"; then
	die "Buildroot $BUILDROOT_VERSION builds Go $br_go, but go.mod needs Go $need_go.
image: Use a later 2025.02.x release (BUILDROOT_VERSION=...) whose package/go
image: is at least $need_go; see docs/appliance.md, \"Go version\"."
fi
echo "image: Buildroot $BUILDROOT_VERSION, Go $br_go (go.mod needs $need_go)"

# ---- 3. the linetap source, vendored
out="$BR_OUTPUT/$BOARD"
stage="$BR_OUTPUT/linetap-src"
mkdir -p "$out"
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "image: warning: uncommitted changes are not in the image (it is built from HEAD)"
fi
rm -rf "$stage"
mkdir -p "$stage"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$stage"
# The version of what is built: HEAD, never "-dirty" (linetap.mk,
# post-build.sh and post-image.sh read LINETAP_RELEASE).
LINETAP_RELEASE=$(git -C "$REPO" describe --always HEAD)
export LINETAP_RELEASE
(cd "$stage" && GOFLAGS=-mod=mod "$GO" mod vendor) || die "go mod vendor failed in $stage (it needs the Go module proxy)"
cat >"$out/local.mk" <<EOF
# Written by buildroot/image.sh: build linetap from the staged, vendored tree.
LINETAP_OVERRIDE_SRCDIR = $stage
EOF

# ---- 4. Buildroot
make -C "$BR" O="$out" BR2_EXTERNAL="$HERE" "$defconfig"
make -C "$BR" O="$out"
echo "image: done:"
ls -l "$out/images/sdcard.img" "$out"/images/*.raucb
