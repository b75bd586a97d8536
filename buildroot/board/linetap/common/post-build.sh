#!/bin/sh
# post-build.sh: Buildroot post-build script of the linetap appliance
# (BR2_ROOTFS_POST_BUILD_SCRIPT; Buildroot manual, "Customizing the
# generated target filesystem"). Run with $1 = TARGET_DIR and $2 = the board
# (BR2_ROOTFS_POST_SCRIPT_ARGS: rpi4-64 or rpi3), after the overlays are
# copied and before the root file system image is made.
#
# - stamps the version (git describe of this repository) into
#   /etc/linetap-release;
# - makes the mount points of the read-only root (/data, /boot/firmware);
# - links /etc/issue (the console's login banner) to /run/linetap/issue,
#   which setup-notice writes at boot (with the first-setup code while
#   there is one): the root file system is read-only;
# - installs the RAUC keyring: the CA certificate that signs update bundles
#   (LINETAP_RAUC_CERT/LINETAP_RAUC_KEY, or a development key pair made
#   once in $BASE_DIR/linetap-rauc-dev; never ship that one).
set -eu

TARGET="${1:?usage: post-build.sh TARGET_DIR BOARD}"
BOARD="${2:?usage: post-build.sh TARGET_DIR BOARD}"
EXT="${BR2_EXTERNAL_LINETAP_PATH:-$(cd "$(dirname "$0")/../../.." && pwd)}"

# LINETAP_RELEASE: set by make image (git describe of the HEAD it builds).
version=${LINETAP_RELEASE:-$(git -C "$EXT/.." describe --always --dirty 2>/dev/null || echo unknown)}
# Reproducible builds: SOURCE_DATE_EPOCH when Buildroot sets it.
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
	built=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%dT%H:%M:%SZ')
else
	built=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
fi
cat >"$TARGET/etc/linetap-release" <<EOR
LINETAP_VERSION=$version
LINETAP_BOARD=$BOARD
LINETAP_COMPATIBLE=linetap-$BOARD
LINETAP_BUILT=$built
EOR
echo "post-build: /etc/linetap-release: linetap $version for $BOARD"

mkdir -p "$TARGET/data" "$TARGET/boot/firmware" "$TARGET/media"

# Relative, so that nothing on the build machine is reached through it;
# the directory only keeps a write through the link from failing at build
# time (at boot /run is a tmpfs over it).
rm -f "$TARGET/etc/issue"
ln -s ../run/linetap/issue "$TARGET/etc/issue"
mkdir -p "$TARGET/run/linetap"

conf="$TARGET/etc/rauc/system.conf"
if ! grep -q "^compatible=linetap-$BOARD\$" "$conf"; then
	echo "post-build: $conf is not for linetap-$BOARD" >&2
	exit 1
fi

dev="${BASE_DIR:-$TARGET/..}/linetap-rauc-dev"
cert="${LINETAP_RAUC_CERT:-$dev/ca.cert.pem}"
key="${LINETAP_RAUC_KEY:-$dev/ca.key.pem}"
if [ -z "${LINETAP_RAUC_CERT:-}" ] && [ ! -f "$cert" ]; then
	openssl=openssl
	[ -x "${HOST_DIR:-}/bin/openssl" ] && openssl="$HOST_DIR/bin/openssl"
	mkdir -p "$dev"
	"$openssl" req -x509 -newkey rsa:4096 -nodes -days 3650 \
		-subj "/O=linetap development/CN=linetap development update signer" \
		-keyout "$key" -out "$cert" >/dev/null 2>&1
	chmod 0600 "$key"
	echo "post-build: made a DEVELOPMENT update signing key in $dev (set LINETAP_RAUC_CERT and LINETAP_RAUC_KEY for production)"
fi
install -D -m 0644 "$cert" "$TARGET/etc/rauc/ca.cert.pem"
