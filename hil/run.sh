#!/usr/bin/env bash
# run.sh ARCH [TEST] — the hardware-in-the-loop test on ARCH (amd64, arm64):
# fetches the kernel and sysroot (cached), builds the in-VM driver, the
# initramfs, boots Debian's kernel under QEMU TCG (never KVM: §2) inside
# `timeout -s KILL`, and passes when the console shows a passing HIL-RESULT
# line. TEST is smoke (default). The console log is kept in
# $HIL_CACHE/run/ARCH/console.log.
. "$(dirname "$0")/lib.sh"

ARCH=${1:-}
TEST=${2:-smoke}
[ -n "$ARCH" ] || die "usage: run.sh amd64|arm64 [smoke]"
check_arch "$ARCH"
HIL_TIMEOUT=${HIL_TIMEOUT:-300}
GO=${GO:-go}
case "$ARCH" in
amd64) QEMU=qemu-system-x86_64 ;;
arm64) QEMU=qemu-system-aarch64 ;;
esac
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86 qemu-system-arm)"
command -v timeout >/dev/null || die "timeout not found"

t0=$(date +%s)
KDIR=$("$HIL_DIR/fetch.sh" "$ARCH" | tail -1)
S=$("$HIL_DIR/sysroot.sh" "$ARCH" | tail -1)
t1=$(date +%s)

W=$HIL_CACHE/run/$ARCH
rm -rf "$W" && mkdir -p "$W/stage/usr/local/bin" "$W/stage/etc/hil"
(cd "$REPO_DIR" && CGO_ENABLED=0 GOOS=linux GOARCH="$GOARCH_OF" "$GO" build -trimpath \
	-o "$W/stage/usr/local/bin/hil-driver" ./hil/driver) || die "build of hil/driver failed"

case "$TEST" in
smoke)
	# One bank of four lines named like a two-line board's inputs.
	echo "hil hil-bank 4 hook1 ring1 hook2 ring2" >"$W/stage/etc/hil/banks"
	echo "hil-driver smoke -channels 8 -rate 8000 -seconds 2 -bank /sys/kernel/config/gpio-sim/hil/bank0 -toggles 10" \
		>"$W/stage/etc/hil/cmd"
	;;
*) die "unknown test '$TEST' (want smoke)" ;;
esac
"$HIL_DIR/initramfs.sh" "$ARCH" "$KDIR" "$S" "$W/stage" "$W/initrd.gz"
t2=$(date +%s)

case "$ARCH" in
amd64) MACHINE=(-M pc) CONSOLE=ttyS0 ;;
arm64) MACHINE=(-M virt -cpu cortex-a57) CONSOLE=ttyAMA0 ;;
esac
log "boot $(cat "$KDIR/kver") under $QEMU (TCG, timeout ${HIL_TIMEOUT}s)"
set +e
timeout -s KILL "$HIL_TIMEOUT" "$QEMU" "${MACHINE[@]}" -accel tcg -smp 2 -m 512 \
	-nodefaults -no-reboot -display none -serial stdio \
	-kernel "$KDIR/vmlinuz" -initrd "$W/initrd.gz" \
	-append "console=$CONSOLE quiet panic=-1" </dev/null >"$W/console.log" 2>&1
rc=$?
set -e
t3=$(date +%s)
tr -d '\r' <"$W/console.log" | grep -v '^HIL-RESULT' | sed 's/^/vm: /' >&2 || true
result=$(tr -d '\r' <"$W/console.log" | { grep '^HIL-RESULT ' || true; } | tail -1 | cut -d' ' -f2-)
log "timing: fetch+sysroot $((t1 - t0)) s, build+initramfs $((t2 - t1)) s, VM $((t3 - t2)) s"
[ "$rc" -ne 137 ] || die "the VM was killed after ${HIL_TIMEOUT}s"
[ -n "$result" ] || die "the VM printed no HIL-RESULT line (qemu exit $rc)"
echo "$result"
case "$result" in
*'"pass":true,'*) log "$ARCH $TEST: PASS" ;;
*) die "$ARCH $TEST: FAIL" ;;
esac
