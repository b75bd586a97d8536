# Shared helpers for the hil scripts (sourced, not run).
# shellcheck shell=bash

set -euo pipefail

HIL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=${HIL_REPO:-$(cd "$HIL_DIR/.." && pwd)}
# The cache holds everything fetched or built at test time; never committed.
HIL_CACHE=${HIL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linetap-hil}
HIL_APT_MAX_AGE_MIN=${HIL_APT_MAX_AGE_MIN:-1440}

log() { printf 'hil: %s\n' "$*" >&2; }
die() { printf 'hil: error: %s\n' "$*" >&2; exit 1; }

# check_arch validates an architecture name and sets TRIPLET, QEMU_ARCH.
check_arch() {
	case "$1" in
	amd64) TRIPLET=x86_64-linux-gnu; GOARCH_OF=amd64 ;;
	arm64) TRIPLET=aarch64-linux-gnu; GOARCH_OF=arm64 ;;
	*) die "unknown architecture '$1' (want amd64 or arm64)" ;;
	esac
}

# apt_run ARCH ARGS... runs apt-get/apt-cache (first arg) against a private
# per-architecture apt state in the cache, so nothing touches the host's apt:
# HARDWARE-TESTING.md §3 (dpkg --add-architecture breaks the mirrors here).
apt_run() {
	local arch=$1 tool=$2; shift 2
	local d=$HIL_CACHE/apt/$arch
	"$tool" -q \
		-o Dir::State="$d/state" -o Dir::State::status="$d/status" \
		-o Dir::Cache="$d/cache" \
		-o Dir::Etc::SourceList="$d/sources.list" -o Dir::Etc::SourceParts="$d/empty" \
		-o Dir::Etc::Preferences="$d/empty/none" -o Dir::Etc::PreferencesParts="$d/empty" \
		-o APT::Sandbox::User=root \
		-o APT::Architecture="$arch" -o APT::Architectures="$arch" \
		-o APT::Install-Recommends=false -o Debug::NoLocking=1 "$@"
}

# apt_setup ARCH creates the private apt state and refreshes its package
# lists when they are older than HIL_APT_MAX_AGE_MIN minutes.
apt_setup() {
	local arch=$1 d=$HIL_CACHE/apt/$1
	mkdir -p "$d/state/lists/partial" "$d/cache/archives/partial" "$d/empty"
	[ -e "$d/status" ] || : >"$d/status"
	if [ ! -e "$d/sources.list" ]; then
		local k=/usr/share/keyrings/debian-archive-keyring.gpg
		[ -r "$k" ] || die "$k missing (install debian-archive-keyring)"
		cat >"$d/sources.list" <<-SRC
		deb [signed-by=$k] http://deb.debian.org/debian bookworm main
		deb [signed-by=$k] http://deb.debian.org/debian bookworm-updates main
		deb [signed-by=$k] http://deb.debian.org/debian-security bookworm-security main
		SRC
	fi
	if [ -z "$(find "$d/state" -maxdepth 1 -name updated -mmin -"$HIL_APT_MAX_AGE_MIN" 2>/dev/null)" ]; then
		log "apt-get update ($arch, private lists)"
		apt_run "$arch" apt-get update >/dev/null || die "apt-get update for $arch failed"
		touch "$d/state/updated"
	fi
}

# apt_fetch ARCH DEST PKG... downloads the named packages (exact names)
# into DEST unless a .deb of that package is already there.
apt_fetch() {
	local arch=$1 dest=$2; shift 2
	mkdir -p "$dest"
	local p
	for p in "$@"; do
		if ! compgen -G "$dest/${p}_*.deb" >/dev/null; then
			log "download $p ($arch)"
			(cd "$dest" && apt_run "$arch" apt-get download "$p" >/dev/null) ||
				die "apt-get download $p ($arch) failed"
		fi
	done
}

# deb_of DEST PKG prints the .deb of PKG in DEST.
deb_of() {
	local f
	f=$(compgen -G "$1/${2}_*.deb" | head -1) || true
	[ -n "$f" ] || die "no .deb of $2 in $1"
	printf '%s\n' "$f"
}
