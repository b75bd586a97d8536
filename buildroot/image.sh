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
#      "System requirements"), and provide a Go new enough for the go
#      directive of go.mod: Buildroot 2025.02.x ships Go 1.23.x, go.mod needs
#      1.25, so a pinned official Go release (HOST_GO_VERSION, SHA-256
#      checked) is downloaded into BR_CACHE and Buildroot's pre-built Go
#      package (host-go-bin, BR2_PACKAGE_HOST_GO_BIN in the defconfigs) is
#      pointed at it with HOST_GO_BIN_OVERRIDE_SRCDIR in the output's
#      local.mk (docs/appliance.md, "Go version");
#   3. stage this repository's committed tree (git archive HEAD) and vendor
#      its Go modules (go mod vendor: Buildroot builds Go offline, with
#      -mod=vendor), and point the linetap package at it through
#      LINETAP_OVERRIDE_SRCDIR in the same local.mk;
#   4. make linetap_<board>_defconfig and make, with BR2_EXTERNAL=buildroot.
#
# Results in BR_OUTPUT/<board>/images: sdcard.img (flash it with dd or
# Raspberry Pi Imager) and linetap-<board>-<version>.raucb (the update).
# A first build downloads about 1 GB of sources and takes an hour or more.
#
# Environment: BUILDROOT_VERSION, BUILDROOT_URL, BR_CACHE, BR_OUTPUT, GO
# (the build machine's Go, for go mod vendor), HOST_GO_VERSION and
# HOST_GO_URL (the Go Buildroot builds linetap with), HOST_GOROOT (use this
# unpacked Go distribution instead of downloading one), MAKE (default
# make), LINETAP_RAUC_CERT / LINETAP_RAUC_KEY (production update signing
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
MAKE=${MAKE:-make}
# The Go that builds linetap inside Buildroot: an official release from
# https://go.dev/dl, checked against the SHA-256 published there.
HOST_GO_VERSION=${HOST_GO_VERSION:-1.25.14}
HOST_GO_URL=${HOST_GO_URL:-https://go.dev/dl}
HOST_GOROOT=${HOST_GOROOT:-}

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
2025.02.*) ;;
*) die "BUILDROOT_VERSION=$BUILDROOT_VERSION is not a 2025.02.x LTS release (the defconfigs are written for 2025.02)" ;;
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
for t in "$MAKE" gcc g++ patch perl python3 rsync bc cpio unzip file tar xz bzip2 gzip which git "$GO"; do
	command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
[ "${#missing[@]}" -eq 0 ] || die "missing build tools: ${missing[*]} (Buildroot manual, \"System requirements\"; Debian: apt-get install build-essential rsync bc cpio unzip file python3 git, and Go for vendoring)"

# version_ge A B: A >= B, comparing dotted numbers.
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# goroot_version DIR: the version of the Go distribution in DIR (its
# VERSION file, first line "go1.25.14"; else what its go command says).
goroot_version() {
	local v=""
	[ -r "$1/VERSION" ] && v=$(head -n1 "$1/VERSION")
	[ -n "$v" ] || v=$("$1/bin/go" env GOVERSION 2>/dev/null) || true
	v=${v#go}
	case "$v" in
	[0-9]*.[0-9]*) printf '%s' "$v" ;;
	*) return 1 ;;
	esac
}

# go_tarball_sha256 FILE: the SHA-256 https://go.dev/dl publishes for the
# pinned releases. Another HOST_GO_VERSION needs its line here.
go_tarball_sha256() {
	case "$1" in
	go1.25.14.linux-amd64.tar.gz) echo a21ae5633a269bcd7e90cf767e48225633795e99d831742cbf3397064fee7712 ;;
	go1.25.14.linux-arm64.tar.gz) echo 9bf234ea70ffec9347fdf6b22ce4add51717d3386a38a441e8c8743fceb5eaee ;;
	*) return 1 ;;
	esac
}

# The go directive of what is built: go.mod of HEAD (step 3 builds HEAD).
need_go=$(git -C "$REPO" show HEAD:go.mod 2>/dev/null | sed -n 's/^go \([0-9][0-9.]*\)$/\1/p')
[ -n "$need_go" ] || die "no go directive in go.mod of HEAD in $REPO"
br_go=$(grep -rhoE '^GO_VERSION = [0-9.]+' "$BR/package/go" 2>/dev/null | head -n1 | awk '{print $3}')
[ -n "$br_go" ] || die "cannot find GO_VERSION under $BR/package/go"
grep -qx 'BR2_PACKAGE_HOST_GO_BIN=y' "$HERE/configs/$defconfig" ||
	die "$defconfig does not select BR2_PACKAGE_HOST_GO_BIN (the pre-built Go that HOST_GO_BIN_OVERRIDE_SRCDIR replaces)"
[ -d "$BR/package/go/go-bin" ] ||
	die "Buildroot $BUILDROOT_VERSION has no package/go/go-bin (the pre-built Go package the defconfigs select)"

host_goroot=""
if version_ge "$br_go" "$need_go" && [ -z "$HOST_GOROOT" ]; then
	echo "image: Buildroot $BUILDROOT_VERSION ships Go $br_go, enough for go.mod ($need_go)"
else
	if [ -n "$HOST_GOROOT" ]; then
		host_goroot=$HOST_GOROOT
		[ -x "$host_goroot/bin/go" ] || die "HOST_GOROOT=$host_goroot has no bin/go"
	else
		case "$(uname -m)" in
		x86_64 | amd64) goarch=amd64 ;;
		aarch64 | arm64) goarch=arm64 ;;
		*) die "no pinned Go for a $(uname -m) build machine: unpack a Go >= $need_go and set HOST_GOROOT" ;;
		esac
		gotar="go$HOST_GO_VERSION.linux-$goarch.tar.gz"
		want=$(go_tarball_sha256 "$gotar") ||
			die "no SHA-256 known for $gotar: add it to go_tarball_sha256 in $0 (from https://go.dev/dl), or set HOST_GOROOT"
		if [ ! -f "$BR_CACHE/$gotar" ]; then
			echo "image: downloading $HOST_GO_URL/$gotar"
			if ! fetch "$HOST_GO_URL/$gotar" "$BR_CACHE/$gotar.part"; then
				rm -f "$BR_CACHE/$gotar.part"
				die "cannot download Go $HOST_GO_VERSION from $HOST_GO_URL/$gotar (needs network access; or set HOST_GOROOT)"
			fi
			mv "$BR_CACHE/$gotar.part" "$BR_CACHE/$gotar"
		fi
		got=$(sha256sum "$BR_CACHE/$gotar" | awk '{print $1}')
		if [ "$got" != "$want" ]; then
			rm -f "$BR_CACHE/$gotar"
			die "$gotar: SHA-256 $got, go.dev publishes $want; deleted it, retry"
		fi
		host_goroot="$BR_CACHE/go$HOST_GO_VERSION.linux-$goarch/go"
		if [ ! -x "$host_goroot/bin/go" ]; then
			rm -rf "${host_goroot%/go}"
			mkdir -p "${host_goroot%/go}"
			tar -xzf "$BR_CACHE/$gotar" -C "${host_goroot%/go}" || die "cannot unpack $gotar"
		fi
	fi
	host_go=$(goroot_version "$host_goroot") || die "cannot tell the Go version of $host_goroot"
	version_ge "$host_go" "$need_go" ||
		die "the Go in $host_goroot is $host_go, but go.mod needs Go $need_go"
	echo "image: Buildroot $BUILDROOT_VERSION ships Go $br_go; building linetap with Go $host_go from $host_goroot (go.mod needs $need_go)"
fi

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
{
	echo "# Written by buildroot/image.sh (Buildroot manual, \"Using Buildroot during"
	echo "# development\": <pkg>_OVERRIDE_SRCDIR). Build linetap from the staged,"
	echo "# vendored tree."
	echo "LINETAP_OVERRIDE_SRCDIR = $stage"
	if [ -n "$host_goroot" ]; then
		echo "# Buildroot $BUILDROOT_VERSION's Go ($br_go) is older than go.mod's ($need_go):"
		echo "# the pre-built Go package installs this Go distribution instead."
		echo "HOST_GO_BIN_OVERRIDE_SRCDIR = $host_goroot"
	fi
} >"$out/local.mk"

# ---- 4. Buildroot
"$MAKE" -C "$BR" O="$out" BR2_EXTERNAL="$HERE" "$defconfig"
"$MAKE" -C "$BR" O="$out"
echo "image: done:"
ls -l "$out/images/sdcard.img" "$out"/images/*.raucb
