#!/bin/sh
# post-image.sh: Buildroot post-image script of the linetap appliance
# (BR2_ROOTFS_POST_IMAGE_SCRIPT; Buildroot manual, "Customizing the
# generated images"). Run with $1 = BINARIES_DIR and $2 = the board
# (rpi4-64 or rpi3), from the top of the Buildroot tree.
#
# Makes:
#   sdcard.img                       the image to flash (genimage.cfg.in)
#   linetap-<board>-<version>.raucb  the same root file system as a signed
#                                    RAUC update bundle (rauc/manifest.raucm.in)
set -eu

BIN="${1:?usage: post-image.sh BINARIES_DIR BOARD}"
BOARD="${2:?usage: post-image.sh BINARIES_DIR BOARD}"
HERE=$(cd "$(dirname "$0")" && pwd)
EXT="${BR2_EXTERNAL_LINETAP_PATH:-$(cd "$HERE/../../.." && pwd)}"
BOARD_DIR="$HERE/../$BOARD"

# LINETAP_RELEASE: set by make image (git describe of the HEAD it builds).
version=${LINETAP_RELEASE:-$(git -C "$EXT/.." describe --always --dirty 2>/dev/null || echo unknown)}

# U-Boot expects boot.scr (host-uboot-tools makes it from boot.cmd).
for f in u-boot.bin boot.scr rootfs.ext4; do
	if [ ! -e "$BIN/$f" ]; then
		echo "post-image: $BIN/$f is missing (check U-Boot and host-uboot-tools in the defconfig)" >&2
		exit 1
	fi
done
cp "$BOARD_DIR/config.txt" "$BIN/rpi-firmware/config.txt"

# Boot partition: the firmware files (with their overlays directory), the
# kernel's device trees, U-Boot and its script.
files=""
for f in "$BIN"/rpi-firmware/* "$BIN"/*.dtb "$BIN/u-boot.bin" "$BIN/boot.scr"; do
	[ -e "$f" ] || continue
	case "$(basename "$f")" in
	cmdline.txt) continue ;; # U-Boot's boot.scr sets the command line
	esac
	files="$files\t\t\t\"${f#"$BIN"/}\",\n"
done
files=$(printf '%b' "$files" | sed '$ s/,$//')
awk -v files="$files" '{ if ($0 ~ /@BOOT_FILES@/) print files; else print }' \
	"$HERE/genimage.cfg.in" >"$BIN/genimage.cfg"

dd if=/dev/zero of="$BIN/data-blank.img" bs=1M count=1 2>/dev/null

support/scripts/genimage.sh -c "$BIN/genimage.cfg"
echo "post-image: $BIN/sdcard.img"

# The update bundle.
cert="${LINETAP_RAUC_CERT:-$BASE_DIR/linetap-rauc-dev/ca.cert.pem}"
key="${LINETAP_RAUC_KEY:-$BASE_DIR/linetap-rauc-dev/ca.key.pem}"
work="$BUILD_DIR/linetap-rauc-bundle"
rm -rf "$work"
mkdir -p "$work"
sed -e "s|@COMPATIBLE@|linetap-$BOARD|" -e "s|@VERSION@|$version|" -e "s|@BOARD@|$BOARD|" \
	"$HERE/rauc/manifest.raucm.in" >"$work/manifest.raucm"
cp "$BIN/rootfs.ext4" "$work/rootfs.ext4"
bundle="$BIN/linetap-$BOARD-$version.raucb"
rm -f "$bundle"
"$HOST_DIR/bin/rauc" bundle --cert="$cert" --key="$key" "$work" "$bundle"
echo "post-image: $bundle"
