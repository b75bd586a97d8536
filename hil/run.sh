#!/usr/bin/env bash
# run.sh ARCH [TEST] — the hardware-in-the-loop test on ARCH (amd64, arm64):
# fetches the kernel and sysroot (cached), builds the in-VM driver, the
# initramfs, boots Debian's kernel under QEMU TCG (never KVM: §2) inside
# `timeout -s KILL`, and passes when the console shows a passing HIL-RESULT
# line. TEST is smoke (default), scenario, cardloss, overrun, twocard, long or gpio. The console log is kept in
# $HIL_CACHE/run/ARCH-TEST/console.log. HIL_DEVICE: the capture device's name for scenario and cardloss.
. "$(dirname "$0")/lib.sh"

ARCH=${1:-}
TEST=${2:-smoke}
[ -n "$ARCH" ] || die "usage: run.sh amd64|arm64 [smoke|scenario]"
check_arch "$ARCH"
GO=${GO:-go}
case "$ARCH" in
amd64) QEMU=qemu-system-x86_64 ;;
arm64) QEMU=qemu-system-aarch64 ;;
esac
# Host tools: installed with apt-get when missing and running as root
# (as .ci/run does for its own), unless HIL_INSTALL=0.
need=()
command -v "$QEMU" >/dev/null || need+=("$([ "$ARCH" = amd64 ] && echo qemu-system-x86 || echo qemu-system-arm)")
command -v cpio >/dev/null || need+=(cpio)
command -v depmod >/dev/null || need+=(kmod)
command -v make >/dev/null || need+=(make)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ "$ARCH" = arm64 ] && ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
fi
if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && [ "${HIL_INSTALL:-1}" != 0 ]; then
		log "installing ${need[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
			die "apt-get install ${need[*]} failed"
	else
		die "missing host packages: ${need[*]}"
	fi
fi

t0=$(date +%s)
KDIR=$("$HIL_DIR/fetch.sh" "$ARCH" | tail -1)
S=$("$HIL_DIR/sysroot.sh" "$ARCH" | tail -1)
t1=$(date +%s)

W=$HIL_CACHE/run/$ARCH-$TEST
rm -rf "$W" && mkdir -p "$W/stage/usr/local/bin" "$W/stage/etc/hil"
(cd "$REPO_DIR" && CGO_ENABLED=0 GOOS=linux GOARCH="$GOARCH_OF" "$GO" build -trimpath \
	-o "$W/stage/usr/local/bin/hil-driver" ./hil/driver) || die "build of hil/driver failed"

# build_linetapd: linetapd and linetap with cgo PortAudio, against the
# sysroot, into the VM's /usr/local/bin.
build_linetapd() {
	local cc=gcc
	[ "$ARCH" = arm64 ] && cc=aarch64-linux-gnu-gcc
	log "build linetapd and linetap (cgo, portaudio) for $ARCH"
	(cd "$REPO_DIR" && CGO_ENABLED=1 GOOS=linux GOARCH="$GOARCH_OF" CC="$cc --sysroot=$S" \
		PKG_CONFIG_SYSROOT_DIR="$S" PKG_CONFIG_LIBDIR="$S/usr/lib/$TRIPLET/pkgconfig:$S/usr/share/pkgconfig" \
		"$GO" build -trimpath -tags portaudio -o "$W/stage/usr/local/bin/" ./cmd/linetapd ./cmd/linetap) ||
		die "build of linetapd for $ARCH failed"
}

case "$TEST" in
smoke)
	# One bank of four lines named like a two-line board's inputs.
	echo "hil hil-bank 4 hook1 ring1 hook2 ring2" >"$W/stage/etc/hil/banks"
	echo "hil-driver smoke -channels 8 -rate 8000 -seconds 2 -bank /sys/kernel/config/gpio-sim/hil/bank0 -toggles 10" \
		>"$W/stage/etc/hil/cmd"
	;;
scenario | gpio | cardloss | overrun | twocard)
	SUB=$TEST EXTRA=
	if [ "$TEST" = cardloss ]; then
		# The scenario with the sound card removed 32 s in (line 3
		# talking) for 3 s (hil/driver removeCard).
		SUB=scenario EXTRA="-cardloss-at 32s -cardloss-for 3s"
	fi
	# HIL_DEVICE names the card another way than the driver's default ALSA
	# name, e.g. the PortAudio way: HIL_DEVICE='Loopback: PCM (hw:0,1)'
	# (hw/portaudio then opens it by its stable ALSA name; docs/hardware.md).
	[ -z "${HIL_DEVICE:-}" ] || EXTRA="$EXTRA -device '$HIL_DEVICE'"
	if [ "$TEST" = overrun ]; then
		# The scenario with linetapd stopped (SIGSTOP) 33 s in (line 3
		# talking) for 1.5 s, three times its capture buffer: the card
		# overruns (hil/driver stall).
		SUB=scenario EXTRA="-stall-at 33s -stall-for 1500ms"
	fi
	if [ "$TEST" = twocard ]; then
		# Lines 0-1 on one loopback card, 2-3 on another (source.devices);
		# the second removed as in cardloss (hil/driver twoCardRun).
		EXTRA="-cardloss-at 32s -cardloss-for 3s"
	fi
	# scenario: linetapd with PortAudio (cgo, against the sysroot) and the
	# GPIO character device, fed hil/testdata/hil4.scn through snd-aloop
	# while the driver works a gpio-sim bank: line i's hook is offset 2i,
	# its ring detector 2i+1. gpio: the same line events decoded by
	# hw/gpiocdev inside the driver, without audio or linetapd (the hook
	# edges' kernel timestamps are logged). -faults adds contact bounce at
	# every off-hook and a 500 ms hook flash in each call (hil/driver
	# Faults).
	if [ "$SUB" != gpio ]; then
		build_linetapd
	fi
	mkdir -p "$W/stage/hil"
	cp "$HIL_DIR/testdata/hil4.scn" "$W/stage/hil/scenario.scn"
	(cd "$REPO_DIR" && "$GO" run ./hil/driver render -scenario hil/testdata/hil4.scn -lines 4 -seed 1 -o "$W/stage/hil") ||
		die "render of the scenario failed"
	echo "lines hil-lines 8 hook0 ring0 hook1 ring1 hook2 ring2 hook3 ring3" >"$W/stage/etc/hil/banks"
	echo "hil-driver $SUB -lines 4 -faults -bank /sys/kernel/config/gpio-sim/lines/bank0 -label hil-lines $EXTRA" \
		>"$W/stage/etc/hil/cmd"
	;;
long)
	# Line 0 held off-hook for 2 min 10 s of audio, line 1 recording
	# always with max_call 1m: one gapless call, and splits that lose and
	# repeat nothing (hil/driver longRun). Time-compressed only in that
	# the guest's idle time is skipped (-icount sleep=off).
	build_linetapd
	HIL_TIMEOUT=${HIL_TIMEOUT:-900}
	echo "lines hil-lines 2 hook0 ring0" >"$W/stage/etc/hil/banks"
	echo "hil-driver long -length ${HIL_LONG:-130s} -maxcall 1m -bank /sys/kernel/config/gpio-sim/lines/bank0 -label hil-lines" \
		>"$W/stage/etc/hil/cmd"
	;;
*) die "unknown test '$TEST' (want smoke, scenario, cardloss, overrun, twocard, long or gpio)" ;;
esac
HIL_TIMEOUT=${HIL_TIMEOUT:-600}
"$HIL_DIR/initramfs.sh" "$ARCH" "$KDIR" "$S" "$W/stage" "$W/initrd.gz"
t2=$(date +%s)

case "$ARCH" in
amd64) MACHINE=(-M pc) CONSOLE=ttyS0 ;;
arm64) MACHINE=(-M virt -cpu cortex-a57) CONSOLE=ttyAMA0 ;;
esac
# HIL_ICOUNT: QEMU's -icount shift (2^shift ns of guest time per
# instruction), so that the guest's clock follows the instructions it
# executes, not the host's: a host too busy to run the VM no longer
# stalls it (a stall looks like nothing to the guest), and with sleep=off
# idle time is skipped. "off" runs the guest on the host's clock. The
# default is 0 on arm64 and off on amd64, whose kernel does not get past
# bringing up the CPUs (ACPI with -smp 1) under -icount in QEMU 7.2.
case "$ARCH" in
amd64) HIL_ICOUNT=${HIL_ICOUNT:-off} ;;
arm64) HIL_ICOUNT=${HIL_ICOUNT:-0} ;;
esac
ICOUNT=()
[ "$HIL_ICOUNT" = off ] || ICOUNT=(-icount "shift=$HIL_ICOUNT,sleep=off")
# HIL_NICE: the niceness QEMU runs at (default 0). Without -icount
# (amd64) the guest feels every moment the host does not run it; on a
# shared host, HIL_NICE=-10 (as root) lets the VM keep real time.
NICE=()
[ "${HIL_NICE:-0}" = 0 ] || NICE=(nice -n "$HIL_NICE")
# A run the driver calls inconclusive (it could not keep the stimulus
# timing: the host stalled the VM) tested nothing and is repeated, up to
# HIL_RETRIES (2) times.
HIL_RETRIES=${HIL_RETRIES:-2}
attempt=0
while :; do
	log "boot $(cat "$KDIR/kver") under $QEMU (TCG, icount ${HIL_ICOUNT}, timeout ${HIL_TIMEOUT}s)"
	set +e
	timeout -s KILL "$HIL_TIMEOUT" "${NICE[@]}" "$QEMU" "${MACHINE[@]}" "${ICOUNT[@]}" -accel tcg -smp 2 -m 1024 \
		-nodefaults -no-reboot -display none -serial stdio \
		-kernel "$KDIR/vmlinuz" -initrd "$W/initrd.gz" \
		-append "console=$CONSOLE quiet panic=-1" </dev/null >"$W/console.log" 2>&1
	rc=$?
	set -e
	t3=$(date +%s)
	tr -d '\r' <"$W/console.log" | grep -v '^HIL-RESULT\|^HIL-CALL' | sed 's/^/vm: /' >&2 || true
	result=$(tr -d '\r' <"$W/console.log" | { grep '^HIL-RESULT ' || true; } | tail -1 | cut -d' ' -f2-)
	log "timing: fetch+sysroot $((t1 - t0)) s, build+initramfs $((t2 - t1)) s, VM $((t3 - t2)) s"
	[ "$rc" -ne 137 ] || die "the VM was killed after ${HIL_TIMEOUT}s"
	[ -n "$result" ] || die "the VM printed no HIL-RESULT line (qemu exit $rc)"
	echo "$result"
	# The result's own "pass" is the third key; the checks carry theirs later.
	if printf '%s\n' "$result" | grep -q '^{"test":"[a-z]*","arch":"[a-z0-9]*","pass":true,'; then
		log "$ARCH $TEST: PASS"
		exit 0
	fi
	if [ "$attempt" -lt "$HIL_RETRIES" ] && printf '%s\n' "$result" | grep -q '"inconclusive":true}$'; then
		attempt=$((attempt + 1))
		log "$ARCH $TEST: inconclusive (the host stalled the VM); again ($attempt of $HIL_RETRIES)"
		t2=$(date +%s)
		continue
	fi
	die "$ARCH $TEST: FAIL"
done
