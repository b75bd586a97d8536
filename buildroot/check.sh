#!/usr/bin/env bash
# check.sh: the local check of the linetap Buildroot external tree
# (`make buildroot-check`, part of `make test`). Buildroot itself is not
# needed (these machines cannot download it); what can be checked here is:
#
#   1. structure: the files a BR2_EXTERNAL tree must have, every file
#      the defconfigs, Config.in files and package .mk refer to, and the
#      licence (LINETAP_LICENSE, LICENSE, linetap.hash);
#   2. the Config.in and .mk files are well formed (tools/*.awk), and the
#      linters reject the broken examples in testdata/lint;
#   3. the defconfigs: one symbol per line, no duplicates, the package on,
#      the pre-built host Go, no Buildroot /etc/issue; the RAUC compatible
#      strings and the partition layout agree across files;
#   4. every script of the overlay, package and board passes `sh -n` and
#      `busybox sh -n` (or `bash -n`) and shellcheck, and is executable;
#   5. the USB hotplug handler, the first-setup notice, the first-boot data
#      partition script, the supervisor, post-build.sh and post-image.sh,
#      in a sandbox with stand-in commands; linetap.mk's hooks and options
#      under GNU make; make image failing early without network, and
#      running against a stand-in Buildroot up to Buildroot's make;
#   6. the init script (under BusyBox ash, the board's shell) starts the
#      cross-built linetapd (linux/arm64, no cgo) under qemu-aarch64-static
#      against a throwaway data directory with the simulated lines; the
#      test sees it answer on its HTTP port and control socket, write its
#      setup code, kills it and sees the supervisor restart it, then stops
#      it cleanly.
#
# Needs: bash, awk, make, git, xz, go (with the module cache filled: go mod
# download) and the Debian packages shellcheck, busybox-static and
# qemu-user-static (.ci/run installs them). A missing tool is a failure,
# not a skip.
#
# Environment: GO (default go); BUILDROOT_CHECK_SRC=head builds linetapd
# from the committed HEAD instead of the working tree.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
GO=${GO:-go}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/buildroot-check.XXXXXX")
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	printf 'FAIL: %s\n' "$*" >&2
}
section() { printf '== %s\n' "$*"; }

# Processes this script started, stopped on exit whatever happens.
cleanup() {
	if [ -n "${SV_PID:-}" ]; then
		kill -TERM "$SV_PID" 2>/dev/null
	fi
	if [ -n "${RUN_DIR:-}" ] && [ -r "$RUN_DIR/supervise.pid" ]; then
		kill -TERM "$(cat "$RUN_DIR/supervise.pid")" 2>/dev/null
		sleep 1
	fi
	for f in "${RUN_DIR:-/nonexistent}"/linetapd.pid "${RUN_DIR:-/nonexistent}"/supervise.pid; do
		[ -r "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	# Background jobs of this script (stand-ins, loops) that are still there.
	local j
	for j in $(jobs -p); do kill -TERM "$j" 2>/dev/null; done
	# A process that was just stopped may still write a last line.
	rm -rf "$TMP" 2>/dev/null || { sleep 1; rm -rf "$TMP"; }
}
trap cleanup EXIT

need() {
	if ! command -v "$1" >/dev/null 2>&1; then
		fail "$1 is not installed (${2:-apt-get install $1})"
		return 1
	fi
}

# children_of PID: the processes whose parent is PID (from /proc).
children_of() {
	local st
	for st in /proc/[0-9]*/stat; do
		# Field 4 of stat is the parent pid; field 2 (comm) has no spaces
		# for the processes of interest (timeout, qemu-aarch64-static).
		awk -v p="$1" '$4 == p { print $1 }' "$st" 2>/dev/null
	done
}

# write_probe FILE: a script that says whether an HTTP GET of its URL
# argument answers 200 (bash /dev/tcp: no curl or wget needed); it is also
# the supervisor's health probe in the test.
write_probe() {
	cat >"$1" <<'PROBE'
#!/usr/bin/env bash
url=${1#http://}
hostport=${url%%/*}
path=/${url#*/}
{ exec 3<>"/dev/tcp/${hostport%:*}/${hostport#*:}"; } 2>/dev/null || exit 1
printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3
IFS= read -r -t 5 status <&3 || exit 1
if [ -n "${PROBE_BODY:-}" ]; then cat <&3 >"$PROBE_BODY"; fi
[[ $status == HTTP/1.?" 200"* ]]
PROBE
	chmod +x "$1"
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds.
wait_for() {
	local limit=$(($1 * 5)) n=0
	shift
	until "$@"; do
		n=$((n + 1))
		[ "$n" -ge "$limit" ] && return 1
		sleep 0.2
	done
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
dead() { ! alive "$1"; }
restarted() { restarted_in "$RUN_DIR" "$1"; }
restarted_in() { [ -r "$1/linetapd.pid" ] && [ "$(cat "$1/linetapd.pid")" != "$2" ]; }

run_linetapd_test() {
	RUN_DIR="$TMP/run"
	local data="$TMP/data" port probe="$TMP/probe" init="$HERE/package/linetap/S99linetapd"
	# A port nobody listens on, from the dynamic range.
	port=$((20000 + RANDOM % 20000))
	write_probe "$probe"
	cat >"$ARM/linetapd-qemu" <<WRAP
#!/bin/sh
exec timeout -s KILL 150 qemu-aarch64-static "$ARM/linetapd" "\$@"
WRAP
	chmod +x "$ARM/linetapd-qemu"

	# The appliance configs are accepted by the arm64 build, as written.
	local cfg j
	for j in "$HERE/package/linetap/linetap.json" "$HERE"/board/linetap/*/linetap.json; do
		if cfg=$(timeout -s KILL 60 qemu-aarch64-static "$ARM/linetapd" --config "$j" --print-config 2>&1) &&
			grep -q '"listen": ":443"' <<<"$cfg" && grep -q '"data": "/data/linetap"' <<<"$cfg"; then
			pass
		else
			fail "arm64 linetapd refuses ${j#"$HERE"/}: $cfg"
		fi
	done

	# The Pi 4 appliance config, with the simulated lines instead of the
	# sound card and GPIO the test machine lacks (--sim), a throwaway data
	# directory and a free port. The supervisor runs under BusyBox ash,
	# the board's shell.
	printf '#!/bin/sh\nexec busybox sh "%s" "$@"\n' "$HERE/package/linetap/supervise" >"$TMP/supervise-ash"
	chmod +x "$TMP/supervise-ash"
	cat >"$TMP/defaults" <<DEFAULTS
LINETAPD_SUPERVISE=$TMP/supervise-ash
LINETAPD_BIN=$ARM/linetapd-qemu
LINETAPD_CONFIG=$HERE/board/linetap/rpi4-64/linetap.json
LINETAPD_ARGS="--sim --data $data --listen 127.0.0.1:$port"
# This test's probe speaks plain HTTP (the board's is linetap health).
LINETAPD_WEB_ARGS=--http
LINETAP_RUN=$RUN_DIR
LINETAP_REQUIRE_MOUNT=
LINETAPD_HEALTH_URL=http://127.0.0.1:$port/healthz
LINETAPD_HEALTH_CMD=$probe
LINETAPD_HEALTH_INTERVAL=1
LINETAPD_HEALTH_FAILURES=3
LINETAPD_STOP_TIMEOUT=15
LINETAP_LOG=$TMP/linetapd.log
LINETAP_CMDLINE=$TMP/cmdline-plain
LINETAP_REBOOT_CMD="echo reboot-requested"
DEFAULTS
	echo "console=ttyAMA0,115200 root=/dev/mmcblk0p2 ro" >"$TMP/cmdline-plain"
	export LINETAP_DEFAULTS="$TMP/defaults"
	local out sup child1 child2 victims qemu2 q
	out=$(busybox sh "$init" start 2>&1)
	if [[ "$out" == *OK* ]]; then pass; else fail "S99linetapd start: $out"; fi
	sup=$(cat "$RUN_DIR/supervise.pid" 2>/dev/null)
	if wait_for 60 "$probe" "http://127.0.0.1:$port/healthz"; then
		pass
	else
		fail "linetapd started by S99linetapd does not answer on 127.0.0.1:$port within 60 s; log:
$(cat "$TMP/linetapd.log" 2>/dev/null)"
		busybox sh "$init" stop >/dev/null 2>&1
		return
	fi
	if PROBE_BODY="$TMP/info" "$probe" "http://127.0.0.1:$port/api/v1/info" && grep -q '"api": *1' "$TMP/info"; then pass; else fail "GET /api/v1/info: $(cat "$TMP/info" 2>/dev/null)"; fi
	if [ -S "$data/linetapd.sock" ]; then pass; else fail "no control socket $data/linetapd.sock"; fi
	# First start, no users: linetapd wrote its setup code (0600), the one it
	# printed, and setup-notice puts that code in the login banner.
	local code ov="$HERE/board/linetap/common/rootfs-overlay"
	code=$(sed -n 's/.*setup code \([A-Z0-9-]*\)$/\1/p' "$TMP/linetapd.log" | tail -n1)
	if [ -n "$code" ] && [ "$(head -n1 "$data/setup-code" 2>/dev/null)" = "$code" ] && [ "$(stat -c %a "$data/setup-code")" = 600 ]; then
		pass
	else
		fail "linetapd's setup-code file does not hold the code it printed ('$code'), mode 0600: $(ls -l "$data/setup-code" 2>&1)"
	fi
	mkdir -p "$TMP/run-notice"
	env LINETAP_APPLIANCE_CONF=/nonexistent LINETAP_DATA="$data" LINETAP_RUN="$TMP/run-notice" LINETAP_ISSUE_BASE="$ov/etc/linetap/issue" \
		LINETAP_CONSOLE=/dev/null LINETAP_LOG="$TMP/setup.log" LINETAP_LEDS="$TMP/no-leds" LINETAP_LIBEXEC="$ov/usr/libexec/linetap" \
		busybox sh "$ov/usr/libexec/linetap/setup-notice" --once
	if [ -n "$code" ] && grep -q "setup code   $code\$" "$TMP/run-notice/issue" 2>/dev/null; then pass; else fail "setup-notice does not show linetapd's code '$code': $(cat "$TMP/run-notice/issue" 2>/dev/null)"; fi
	out=$(busybox sh "$init" status 2>&1)
	if [[ "$out" == "linetapd is running"* ]]; then pass; else fail "S99linetapd status: $out"; fi
	if out=$(busybox sh "$init" start 2>&1) && [[ "$out" == *"already running"* ]]; then pass; else fail "second start: $out"; fi

	# linetapd dies (SIGKILL to the emulated process): the supervisor
	# starts a new one, which answers again.
	child1=$(cat "$RUN_DIR/linetapd.pid")
	victims=$(children_of "$child1")
	if [ -n "$victims" ]; then
		# shellcheck disable=SC2086
		kill -KILL $victims
		pass
	else
		fail "no qemu process under linetapd's timeout (pid $child1)"
	fi
	if wait_for 30 restarted "$child1"; then pass; else fail "the supervisor did not restart linetapd"; fi
	child2=$(cat "$RUN_DIR/linetapd.pid" 2>/dev/null)
	if wait_for 60 "$probe" "http://127.0.0.1:$port/healthz"; then pass; else fail "restarted linetapd does not answer"; fi
	if grep -q "linetapd exited with status 137" "$TMP/linetapd.log"; then pass; else fail "supervisor log lacks the crash: $(cat "$TMP/linetapd.log")"; fi

	# Clean stop: both processes gone, the socket removed by linetapd.
	qemu2=$(children_of "$child2")
	out=$(busybox sh "$init" stop 2>&1)
	if [[ "$out" == *OK* ]]; then pass; else fail "S99linetapd stop: $out"; fi
	if dead "$sup" && dead "$child2"; then pass; else fail "processes left after stop (supervisor $sup, linetapd $child2)"; fi
	for q in $qemu2; do
		if dead "$q"; then pass; else fail "qemu process $q left after stop"; fi
	done
	if grep -q "linetapd stopped (exit status 0)" "$TMP/linetapd.log"; then pass; else fail "linetapd did not exit 0 on stop: $(tail -n 20 "$TMP/linetapd.log")"; fi
	if [ ! -e "$data/linetapd.sock" ]; then pass; else fail "control socket left after a clean stop"; fi
	out=$(busybox sh "$init" status 2>&1)
	if [[ "$out" == "linetapd is stopped" ]]; then pass; else fail "status after stop: $out"; fi
	unset LINETAP_DEFAULTS
}

# ---------------------------------------------------------------- 1
section "structure"
for f in external.desc external.mk Config.in \
	configs/linetap_rpi4_64_defconfig configs/linetap_rpi3_defconfig \
	package/linetap/Config.in package/linetap/linetap.mk package/linetap/linetap.hash \
	package/linetap/S99linetapd package/linetap/supervise package/linetap/linetap.json \
	board/linetap/common/genimage.cfg.in board/linetap/common/rauc/manifest.raucm.in \
	board/linetap/common/rootfs-overlay/etc/fw_env.config \
	board/linetap/common/rootfs-overlay/etc/linetap/issue \
	board/linetap/common/rootfs-overlay/etc/init.d/S98setupnotice \
	board/linetap/common/rootfs-overlay/usr/libexec/linetap/setup-notice \
	board/linetap/common/rootfs-overlay/usr/libexec/linetap/led; do
	if [ -f "$HERE/$f" ]; then pass; else fail "missing $f"; fi
done
if grep -qx 'name: LINETAP' "$HERE/external.desc"; then pass; else fail "external.desc: want 'name: LINETAP'"; fi

# resolve PATH: a path from a defconfig or Config.in, with the tree's
# variable replaced, absolute.
resolve() {
	local p=$1
	p=${p//\$(BR2_EXTERNAL_LINETAP_PATH)/$HERE}
	p=${p//\$BR2_EXTERNAL_LINETAP_PATH/$HERE}
	printf '%s' "$p"
}

# Every path-valued symbol of the defconfigs names files that exist.
for dc in "$HERE"/configs/*_defconfig; do
	name=$(basename "$dc")
	while IFS= read -r line; do
		val=${line#*=\"}
		val=${val%\"}
		for word in $val; do
			case "$word" in
			*BR2_EXTERNAL_LINETAP_PATH*)
				p=$(resolve "$word")
				if [ -e "$p" ]; then pass; else fail "$name: ${line%%=*} refers to missing ${p#"$HERE"/}"; fi
				;;
			/*) fail "$name: ${line%%=*} uses an absolute path $word (use \$(BR2_EXTERNAL_LINETAP_PATH))" ;;
			esac
		done
	done < <(grep -E '^BR2_[A-Z0-9_]+="[^"]*(/|BR2_EXTERNAL)[^"]*"$' "$dc" | grep -v '_LOCATION=')
done

# Config.in: sourced files and path defaults exist.
while IFS= read -r ref; do
	p=$(resolve "$ref")
	if [ -e "$p" ]; then pass; else fail "Config.in refers to missing ${p#"$HERE"/}"; fi
done < <(grep -hoE '"\$\(?BR2_EXTERNAL_LINETAP_PATH\)?/[^"]+"' "$HERE/Config.in" "$HERE"/package/*/Config.in | tr -d '"')

# linetap.mk: files it installs from the package directory exist.
while IFS= read -r ref; do
	if [ -e "$HERE/package/linetap/$ref" ]; then pass; else fail "linetap.mk installs missing package/linetap/$ref"; fi
done < <(grep -oE '\$\(LINETAP_PKGDIR\)/[A-Za-z0-9_.-]+' "$HERE/package/linetap/linetap.mk" | sed 's#.*/##' | sort -u)

# The module path and build targets of the package match the repository.
gomod=$(sed -n 's/^LINETAP_GOMOD = //p' "$HERE/package/linetap/linetap.mk")
if [ "$gomod" = "$(sed -n 's/^module //p' "$REPO/go.mod")" ]; then pass; else fail "LINETAP_GOMOD $gomod is not the module path in go.mod"; fi
read -ra targets < <(sed -n 's/^LINETAP_BUILD_TARGETS = //p' "$HERE/package/linetap/linetap.mk")
if [ "${#targets[@]}" -gt 0 ]; then pass; else fail "linetap.mk sets no LINETAP_BUILD_TARGETS"; fi
for t in "${targets[@]}"; do
	if ls "$REPO/$t"/*.go >/dev/null 2>&1; then pass; else fail "LINETAP_BUILD_TARGETS: $t has no Go files"; fi
done

# The licence: LINETAP_LICENSE names Apache-2.0, every LINETAP_LICENSE_FILES
# entry exists at the top of the repository, linetap.hash holds its SHA-256,
# and LICENSE is the Apache License 2.0 unmodified (the SHA-256 of
# https://www.apache.org/licenses/LICENSE-2.0.txt, 11358 bytes).
apache_sha256=cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30
mk="$HERE/package/linetap/linetap.mk"
if [ "$(sed -n 's/^LINETAP_LICENSE = //p' "$mk")" = Apache-2.0 ]; then pass; else fail "linetap.mk: LINETAP_LICENSE is not Apache-2.0"; fi
read -ra lfiles < <(sed -n 's/^LINETAP_LICENSE_FILES = //p' "$mk")
if [ "${#lfiles[@]}" -gt 0 ]; then pass; else fail "linetap.mk sets no LINETAP_LICENSE_FILES"; fi
for l in "${lfiles[@]}"; do
	if [ ! -f "$REPO/$l" ]; then
		fail "LINETAP_LICENSE_FILES: $l is not in the repository"
		continue
	fi
	sum=$(sha256sum "$REPO/$l" | awk '{print $1}')
	if grep -qE "^sha256[[:space:]]+${sum}[[:space:]]+${l}\$" "$HERE/package/linetap/linetap.hash" 2>/dev/null; then pass; else fail "package/linetap/linetap.hash lacks 'sha256  $sum  $l'"; fi
done
if [ "$(sha256sum "$REPO/LICENSE" 2>/dev/null | awk '{print $1}')" = "$apache_sha256" ]; then pass; else fail "LICENSE is not the unmodified Apache License 2.0 text"; fi

# The board scripts' own references.
for b in rpi4-64 rpi3; do
	for f in config.txt boot.cmd rootfs-overlay/etc/rauc/system.conf; do
		if [ -f "$HERE/board/linetap/$b/$f" ]; then pass; else fail "board $b: missing $f"; fi
	done
done

# ---------------------------------------------------------------- 2
section "Config.in and .mk syntax"
need awk
kfiles=("$HERE/Config.in" "$HERE"/package/*/Config.in)
if out=$(awk -f "$HERE/tools/kconfig-lint.awk" "${kfiles[@]}" 2>&1); then pass; else fail "Config.in: $out"; fi
if out=$(awk -v prefix=LINETAP -v ext=1 -f "$HERE/tools/mk-lint.awk" "$HERE/external.mk" 2>&1); then pass; else fail "external.mk: $out"; fi
for mk in "$HERE"/package/*/*.mk; do
	pkg=$(basename "$mk" .mk)
	prefix=$(printf '%s' "$pkg" | tr 'a-z-' 'A-Z_')
	if out=$(awk -v prefix="$prefix" -v pkg=1 -f "$HERE/tools/mk-lint.awk" "$mk" 2>&1); then pass; else fail "$out"; fi
done

# The linters must catch what they claim to: each file in testdata/lint
# starts with "# expect: TEXT" (bad: the linter fails and says TEXT) or
# "# expect: ok".
for t in "$HERE"/testdata/lint/*; do
	want=$(sed -n '1s/^# expect: //p' "$t")
	case "$t" in
	*.in) out=$(awk -f "$HERE/tools/kconfig-lint.awk" "$t" 2>&1) ;;
	*.mk) out=$(awk -v prefix=LINETAP -v pkg=1 -f "$HERE/tools/mk-lint.awk" "$t" 2>&1) ;;
	*) continue ;;
	esac
	rc=$?
	if [ "$want" = ok ]; then
		if [ $rc -eq 0 ]; then pass; else fail "linter rejects good example ${t#"$HERE"/}: $out"; fi
	elif [ $rc -eq 0 ]; then
		fail "linter accepts bad example ${t#"$HERE"/} (want: $want)"
	elif [[ "$out" != *"$want"* ]]; then
		fail "linter on ${t#"$HERE"/} says '$out', want '$want'"
	else
		pass
	fi
done

# ---------------------------------------------------------------- 3
section "defconfigs"
for dc in "$HERE"/configs/*_defconfig; do
	name=$(basename "$dc")
	bad=$(grep -nvE '^(#.*|BR2_[A-Za-z0-9_]+=(y|"[^"]*"|[0-9]+|0x[0-9a-fA-F]+)|)$' "$dc")
	if [ -z "$bad" ]; then pass; else fail "$name: malformed lines: $bad"; fi
	dup=$(sed -nE 's/^(# )?(BR2_[A-Za-z0-9_]+)(=| is not set).*/\2/p' "$dc" | sort | uniq -d)
	if [ -z "$dup" ]; then pass; else fail "$name: symbols set twice: $dup"; fi
	if grep -qx 'BR2_PACKAGE_LINETAP=y' "$dc"; then pass; else fail "$name: BR2_PACKAGE_LINETAP is not on"; fi
	if grep -q '^BR2_TARGET_GENERIC_REMOUNT_ROOTFS_RW=y' "$dc"; then fail "$name: the root file system must stay read-only"; else pass; fi
	# /etc/issue is post-build.sh's link to the banner setup-notice writes.
	if grep -qx 'BR2_TARGET_GENERIC_ISSUE=""' "$dc"; then pass; else fail "$name: BR2_TARGET_GENERIC_ISSUE must be empty (post-build.sh links /etc/issue)"; fi
	# Buildroot 2025.02.x ships Go 1.23: the pre-built host-go, which
	# image.sh points at a newer release (docs/appliance.md, "Go version").
	if grep -qx 'BR2_PACKAGE_HOST_GO=y' "$dc" && grep -qx 'BR2_PACKAGE_HOST_GO_BIN=y' "$dc"; then pass; else fail "$name: BR2_PACKAGE_HOST_GO and BR2_PACKAGE_HOST_GO_BIN must be y"; fi
	board=$(sed -n 's/^BR2_ROOTFS_POST_SCRIPT_ARGS="\(.*\)"$/\1/p' "$dc")
	if grep -qx "compatible=linetap-$board" "$HERE/board/linetap/$board/rootfs-overlay/etc/rauc/system.conf" 2>/dev/null; then
		pass
	else
		fail "$name: board/linetap/$board/rootfs-overlay/etc/rauc/system.conf lacks compatible=linetap-$board"
	fi
done
# The partition layout is written in several files; they must agree:
# genimage.cfg.in (boot, rootfs-a, rootfs-b, data, in that order), the RAUC
# slots (p2 = A, p3 = B), boot.cmd (A = 2, B = 3), the data partition (p4)
# and the boot partition in fstab (p1).
g="$HERE/board/linetap/common/genimage.cfg.in"
opens=$(tr -cd '{' <"$g" | wc -c)
closes=$(tr -cd '}' <"$g" | wc -c)
if [ "$opens" = "$closes" ]; then pass; else fail "genimage.cfg.in: $opens '{' but $closes '}'"; fi
parts=$(sed -n 's/^[[:space:]]*partition \([a-z-]*\) {.*/\1/p' "$g" | tr '\n' ' ')
if [ "$parts" = "boot rootfs-a rootfs-b data " ]; then pass; else fail "genimage.cfg.in: partitions '$parts', want 'boot rootfs-a rootfs-b data'"; fi
for b in rpi4-64 rpi3; do
	sc="$HERE/board/linetap/$b/rootfs-overlay/etc/rauc/system.conf"
	if awk '/^\[slot.rootfs.0\]/{s=0} /^\[slot.rootfs.1\]/{s=1} /^device=/{d[s]=$0} /^bootname=/{n[s]=$0}
		END { exit !(d[0]=="device=/dev/mmcblk0p2" && n[0]=="bootname=A" && d[1]=="device=/dev/mmcblk0p3" && n[1]=="bootname=B") }' "$sc"; then
		pass
	else
		fail "$b system.conf: slots must be A = /dev/mmcblk0p2, B = /dev/mmcblk0p3"
	fi
	bc="$HERE/board/linetap/$b/boot.cmd"
	# U-Boot variables, matched literally.
	# shellcheck disable=SC2016
	if grep -A3 'test "${s}" = "A"' "$bc" | grep -q 'setenv linetap_part 2' &&
		grep -A3 'test "${s}" = "B"' "$bc" | grep -q 'setenv linetap_part 3' &&
		grep -q 'root=/dev/mmcblk0p${linetap_part}' "$bc" && grep -q 'rauc.slot=${linetap_slot}' "$bc"; then
		pass
	else
		fail "$b boot.cmd: slot A must boot partition 2 and B partition 3, with root= and rauc.slot="
	fi
done
if grep -qx 'DATA_DEV=/dev/mmcblk0p4' "$HERE/board/linetap/common/rootfs-overlay/etc/linetap/appliance.conf" &&
	grep -qx 'DATA_PARTNO=4' "$HERE/board/linetap/common/rootfs-overlay/etc/linetap/appliance.conf"; then
	pass
else
	fail "appliance.conf: the data partition must be /dev/mmcblk0p4"
fi
if grep -qE '^/dev/mmcblk0p1[[:space:]]+/boot/firmware[[:space:]]+vfat' "$HERE/board/linetap/common/rootfs-overlay/etc/fstab" &&
	grep -q '^/boot/firmware/uboot.env' "$HERE/board/linetap/common/rootfs-overlay/etc/fw_env.config"; then
	pass
else
	fail "fstab/fw_env.config: the boot partition (p1) must be on /boot/firmware, holding uboot.env"
fi

# The appliance configs serve the web UI to the office over HTTPS (the
# supervisor passes no --http by default; its probe is linetap health over
# the control socket), and keep their data on the data partition.
# shellcheck disable=SC2016 # the pattern is the script's literal text
if grep -q '^: "${LINETAPD_WEB_ARGS=}"$' "$HERE/package/linetap/supervise" && grep -q 'LINETAPD_HEALTH_CMD:=/usr/bin/linetap health ' "$HERE/package/linetap/supervise"; then pass; else fail "supervise: by default linetapd must serve HTTPS (no --http) and the probe must be linetap health"; fi
for j in "$HERE/package/linetap/linetap.json" "$HERE"/board/linetap/*/linetap.json; do
	rel=${j#"$HERE"/}
	if grep -q '"listen": *":443"' "$j"; then pass; else fail "$rel must listen on :443 (HTTPS for the office; docs/appliance.md)"; fi
	if grep -q '"data": *"/data/' "$j"; then pass; else fail "$rel: data must be under /data (the data partition)"; fi
done

# ---------------------------------------------------------------- 4
section "shell scripts"
need shellcheck "apt-get install shellcheck"
# The board's shell is BusyBox ash: the scripts are checked and run with it.
need busybox "apt-get install busybox-static"
scripts=()
while IFS= read -r f; do scripts+=("$f"); done < <(
	{
		find "$HERE/board" "$HERE/package" -type f \( -name '*.sh' -o -path '*/init.d/*' -o -path '*/libexec/*' \)
		echo "$HERE/package/linetap/S99linetapd"
		echo "$HERE/package/linetap/supervise"
		echo "$HERE/check.sh"
		echo "$HERE/image.sh"
	} | sort -u
)
for f in "${scripts[@]}"; do
	rel=${f#"$HERE"/}
	if [ ! -f "$f" ]; then fail "missing script $rel"; continue; fi
	if [ -x "$f" ]; then pass; else fail "$rel is not executable"; fi
	case "$(head -n1 "$f")" in
	'#!/bin/sh')
		if out=$(sh -n "$f" 2>&1); then pass; else fail "sh -n $rel: $out"; fi
		if out=$(busybox sh -n "$f" 2>&1); then pass; else fail "busybox sh -n $rel: $out"; fi
		;;
	'#!/usr/bin/env bash' | '#!/bin/bash') if out=$(bash -n "$f" 2>&1); then pass; else fail "bash -n $rel: $out"; fi ;;
	*) fail "$rel: unexpected interpreter line $(head -n1 "$f")" ;;
	esac
	if command -v shellcheck >/dev/null 2>&1; then
		if out=$(shellcheck -x "$f" 2>&1); then pass; else fail "shellcheck $rel:
$out"; fi
	fi
done

# ---------------------------------------------------------------- 5
section "USB hotplug and first boot (sandbox)"
# Stand-ins for the commands the scripts run on the board. Each records how
# it was called in $TMP/calls. These scripts run under the host's sh: BusyBox
# ash would run its own mount and blkid applets instead of the stand-ins.
SB="$TMP/sandbox"
mkdir -p "$SB/bin" "$SB/dev" "$SB/media" "$SB/run" "$SB/leds/ACT" "$SB/sysblock/sda/sda1"
CALLS="$TMP/calls"
: >"$CALLS"
cat >"$SB/bin/blkid" <<EOF
#!/bin/sh
echo "blkid \$*" >>"$CALLS"
t=\$(cat "\$1.type" 2>/dev/null)
l=\$(cat "\$1.label" 2>/dev/null)
[ -n "\$l" ] && l=" LABEL=\"\$l\""
[ -n "\$t" ] && echo "\$1:\$l UUID=\"1234\" TYPE=\"\$t\""
exit 0
EOF
cat >"$SB/bin/mount" <<EOF
#!/bin/sh
echo "mount \$*" >>"$CALLS"
# The last argument is the mount point: put the stick's files there.
for a; do mp=\$a; done
[ -n "\${FAKE_STICK:-}" ] && cp -R "\$FAKE_STICK"/. "\$mp"/
exit 0
EOF
cat >"$SB/bin/umount" <<EOF
#!/bin/sh
echo "umount \$*" >>"$CALLS"
for a; do mp=\$a; done
rm -rf "\$mp"/*
EOF
cat >"$SB/bin/linetap" <<EOF
#!/bin/sh
echo "linetap \$*" >>"$CALLS"
EOF
cat >"$SB/bin/rauc" <<EOF
#!/bin/sh
echo "rauc \$*" >>"$CALLS"
exit \${FAKE_RAUC_STATUS:-0}
EOF
cat >"$SB/bin/reboot" <<EOF
#!/bin/sh
echo "reboot \$*" >>"$CALLS"
EOF
for c in sfdisk partx mkfs.ext4 fsck.ext4 logger sync; do
	printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$c" "$CALLS" >"$SB/bin/$c"
done
chmod +x "$SB"/bin/*
echo "none timer [mmc0] heartbeat default-on" >"$SB/leds/ACT/trigger"
touch "$SB/dev/sda1"
: >"$SB/appliance.conf"

usb() {
	env PATH="$SB/bin:$PATH" LINETAP_APPLIANCE_CONF="$SB/appliance.conf" \
		DEV_DIR="$SB/dev" SYS_BLOCK="$SB/sysblock" LINETAP_MEDIA="$SB/media" \
		LINETAP_LEDS="$SB/leds" LINETAP_RUN="$SB/run" LINETAP_LOG="$TMP/usb.log" \
		LINETAP_USB_FOREGROUND=1 RAUC_BIN=rauc LINETAP_REBOOT_CMD="$SB/bin/reboot" \
		LINETAP_LIBEXEC="$HERE/board/linetap/common/rootfs-overlay/usr/libexec/linetap" \
		"$@" sh "$HERE/board/linetap/common/rootfs-overlay/usr/libexec/linetap/usb-hotplug"
}

# A FAT stick labelled "AUDIT 2026" with the export marker: mounted
# read-write on /media/AUDIT_2026, where linetapd looks; the script itself
# runs no export (linetapd does) and leaves the LED alone.
echo vfat >"$SB/dev/sda1.type"
echo "AUDIT 2026" >"$SB/dev/sda1.label"
mkdir -p "$TMP/stick"
touch "$TMP/stick/linetap-export"
usb MDEV=sda1 ACTION=add FAKE_STICK="$TMP/stick"
if grep -q "^mount -t vfat -o rw,[^ ]* $SB/dev/sda1 $SB/media/AUDIT_2026\$" "$CALLS"; then pass; else fail "usb-hotplug: vfat stick not mounted rw on /media/AUDIT_2026: $(cat "$CALLS")"; fi
if ! grep -q "^linetap " "$CALLS"; then pass; else fail "usb-hotplug ran linetap itself (the export is linetapd's): $(cat "$CALLS")"; fi
if [ "$(cat "$SB/run/usb-sda1" 2>/dev/null)" = "$SB/media/AUDIT_2026" ]; then pass; else fail "usb-hotplug: no state for sda1"; fi
if [ "$(cat "$SB/leds/ACT/trigger")" = "none timer [mmc0] heartbeat default-on" ]; then pass; else fail "usb-hotplug: LED touched for a plain mount: $(cat "$SB/leds/ACT/trigger")"; fi
# A repeated add event does not mount it twice.
usb MDEV=sda1 ACTION=add FAKE_STICK="$TMP/stick"
if [ "$(grep -c '^mount ' "$CALLS")" = 1 ]; then pass; else fail "usb-hotplug: a repeated add mounted the stick again: $(cat "$CALLS")"; fi
# A second stick with the same label gets its own directory.
echo vfat >"$SB/dev/sdb1.type"
echo "AUDIT 2026" >"$SB/dev/sdb1.label"
touch "$SB/dev/sdb1"
usb MDEV=sdb1 ACTION=add
if grep -q "^mount -t vfat -o rw,[^ ]* $SB/dev/sdb1 $SB/media/AUDIT_2026-2\$" "$CALLS"; then pass; else fail "usb-hotplug: same label not mounted on AUDIT_2026-2: $(cat "$CALLS")"; fi
usb MDEV=sdb1 ACTION=remove
# Pulled out: unmounted, mount point gone, LED as it was.
usb MDEV=sda1 ACTION=remove
if grep -q "^umount -l $SB/media/AUDIT_2026\$" "$CALLS" && [ ! -e "$SB/media/AUDIT_2026" ]; then pass; else fail "usb-hotplug: remove did not unmount AUDIT_2026"; fi
if [ "$(cat "$SB/leds/ACT/trigger")" = "none timer [mmc0] heartbeat default-on" ] && [ ! -e "$SB/run/led-trigger" ]; then pass; else fail "usb-hotplug: LED changed by a stick it showed nothing for (is $(cat "$SB/leds/ACT/trigger"))"; fi
echo "none timer [mmc0] heartbeat default-on" >"$SB/leds/ACT/trigger"

# Labels: only safe characters; none (or nothing usable): the device name.
: >"$CALLS"
echo exfat >"$SB/dev/sda1.type"
# shellcheck disable=SC2016 # a label that must not run anything
printf '../x;$(reboot)' >"$SB/dev/sda1.label"
usb MDEV=sda1 ACTION=add
if grep -q "^mount -t exfat -o rw,noatime $SB/dev/sda1 $SB/media/_x___reboot_\$" "$CALLS" && ! grep -q '^reboot' "$CALLS"; then pass; else fail "usb-hotplug: unsafe label not reduced: $(cat "$CALLS")"; fi
usb MDEV=sda1 ACTION=remove
: >"$CALLS"
rm -f "$SB/dev/sda1.label"
usb MDEV=sda1 ACTION=add
if grep -q " $SB/media/sda1\$" "$CALLS"; then pass; else fail "usb-hotplug: unlabelled stick not on /media/sda1: $(cat "$CALLS")"; fi
usb MDEV=sda1 ACTION=remove

# An ext4 stick is mounted as ext4. An NTFS stick: not mounted at all.
: >"$CALLS"
echo ext4 >"$SB/dev/sda1.type"
usb MDEV=sda1 ACTION=add
if grep -q "^mount -t ext4 " "$CALLS"; then pass; else fail "usb-hotplug: ext4 stick: $(cat "$CALLS")"; fi
usb MDEV=sda1 ACTION=remove
: >"$CALLS"
echo ntfs >"$SB/dev/sda1.type"
usb MDEV=sda1 ACTION=add FAKE_STICK="$TMP/stick"
if ! grep -q "^mount " "$CALLS" && grep -q "holds ntfs" "$TMP/usb.log"; then pass; else fail "usb-hotplug: NTFS stick should be refused"; fi

# A whole disk that has partitions is left to the partition events.
: >"$CALLS"
echo vfat >"$SB/dev/sda.type"
touch "$SB/dev/sda"
usb MDEV=sda ACTION=add FAKE_STICK="$TMP/stick"
if ! grep -q "^mount " "$CALLS"; then pass; else fail "usb-hotplug: mounted the whole disk sda although it has sda1"; fi

# An update bundle: rauc install, then reboot.
: >"$CALLS"
echo vfat >"$SB/dev/sda1.type"
mkdir -p "$TMP/update"
touch "$TMP/update/linetap-update.raucb"
usb MDEV=sda1 ACTION=add FAKE_STICK="$TMP/update"
if grep -q "^rauc install $SB/media/sda1/linetap-update.raucb\$" "$CALLS" && grep -q '^reboot' "$CALLS"; then pass; else fail "usb-hotplug: update bundle not installed: $(cat "$CALLS")"; fi
if [ "$(cat "$SB/leds/ACT/trigger")" = none ] && [ "$(cat "$SB/leds/ACT/brightness" 2>/dev/null)" = 1 ]; then pass; else fail "usb-hotplug: LED not steady on after an installed update (trigger $(cat "$SB/leds/ACT/trigger"))"; fi
usb MDEV=sda1 ACTION=remove
# A bundle RAUC refuses: no reboot, the LED blinks fast, the log says so.
: >"$CALLS"
usb MDEV=sda1 ACTION=add FAKE_STICK="$TMP/update" FAKE_RAUC_STATUS=1
if ! grep -q '^reboot' "$CALLS" && [ "$(cat "$SB/leds/ACT/trigger")" = timer ] && [ "$(cat "$SB/leds/ACT/delay_on")" -lt 200 ] &&
	grep -q "update failed (see $SB/media/sda1/linetap-update.raucb.log)" "$TMP/usb.log"; then
	pass
else
	fail "usb-hotplug: a refused update bundle: $(cat "$CALLS"; cat "$SB/leds/ACT/trigger")"
fi
usb MDEV=sda1 ACTION=remove
echo "none timer [mmc0] heartbeat default-on" >"$SB/leds/ACT/trigger"
usb MDEV=sda1 ACTION=remove

# The first-setup notice: linetapd's <data>/setup-code in the login banner,
# on the console and on the LED, and gone again with the file.
SN="$TMP/setup"
OV="$HERE/board/linetap/common/rootfs-overlay"
mkdir -p "$SN/data" "$SN/run" "$SN/leds/ACT"
echo "none timer [mmc0] heartbeat default-on" >"$SN/leds/ACT/trigger"
: >"$SN/console"
sn_env=(LINETAP_APPLIANCE_CONF=/nonexistent LINETAP_DATA="$SN/data" LINETAP_RUN="$SN/run"
	LINETAP_ISSUE_BASE="$OV/etc/linetap/issue" LINETAP_CONSOLE="$SN/console" LINETAP_LOG="$TMP/setup.log"
	LINETAP_RELEASE_FILE="$SN/linetap-release"
	LINETAP_LEDS="$SN/leds" LINETAP_LIBEXEC="$OV/usr/libexec/linetap" SETUP_POLL=1)
notice() { env "${sn_env[@]}" "$@"; }
setup_led() { [ "$(cat "$SN/leds/ACT/trigger")" = timer ] && [ "$(cat "$SN/leds/ACT/delay_on")" = 100 ] && [ "$(cat "$SN/leds/ACT/delay_off")" = 1900 ]; }
printf 'LINETAP_VERSION=v0.3-12-gabc1234\nLINETAP_BOARD=rpi4-64\n' >"$SN/linetap-release"
# No code: the plain banner with the version, the LED left alone.
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
if [ "$(head -n1 "$SN/run/issue" 2>/dev/null)" = "$(head -n1 "$OV/etc/linetap/issue")" ] && ! grep -q SETUP "$SN/run/issue" &&
	grep -qx "version v0.3-12-gabc1234 on rpi4-64" "$SN/run/issue" &&
	[ ! -e "$SN/run/setup-needed" ] && grep -q '\[mmc0\]' "$SN/leds/ACT/trigger"; then
	pass
else
	fail "setup-notice without a code: banner $(cat "$SN/run/issue" 2>/dev/null), LED $(cat "$SN/leds/ACT/trigger")"
fi
# linetapd wrote a code (as cmd/linetapd does: the code and a newline, 0600).
printf '7KBX-1F9B-26JW\n' >"$SN/data/setup-code"
chmod 600 "$SN/data/setup-code"
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
if grep -q "setup code   7KBX-1F9B-26JW\$" "$SN/run/issue" 2>/dev/null; then pass; else fail "setup-notice: the code is not in the banner: $(cat "$SN/run/issue" 2>/dev/null)"; fi
if [ "$(grep -c "setup code 7KBX-1F9B-26JW" "$SN/console")" = 1 ]; then pass; else fail "setup-notice: the code not said once on the console: $(cat "$SN/console")"; fi
if setup_led && [ "$(stat -c %a "$SN/run/setup-needed" 2>/dev/null)" = 600 ]; then pass; else fail "setup-notice: LED not blinking 'setup' ($(cat "$SN/leds/ACT/trigger"))"; fi
# A stick comes and goes meanwhile (a refused update): the LED shows the
# stick's state, then goes back to "setup", not to the SD card trigger.
usb_setup() { usb LINETAP_RUN="$SN/run" LINETAP_LEDS="$SN/leds" "$@"; }
: >"$CALLS"
echo vfat >"$SB/dev/sda1.type"
usb_setup MDEV=sda1 ACTION=add FAKE_STICK="$TMP/update" FAKE_RAUC_STATUS=1
if [ "$(cat "$SN/leds/ACT/delay_on")" = 80 ]; then pass; else fail "usb-hotplug during setup: LED does not show the failed update"; fi
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
if [ "$(cat "$SN/leds/ACT/delay_on")" = 80 ]; then pass; else fail "setup-notice took the LED from a stick's state"; fi
usb_setup MDEV=sda1 ACTION=remove
if setup_led; then pass; else fail "usb-hotplug: LED not back to 'setup' after the stick went: $(cat "$SN/leds/ACT/trigger")"; fi
# The first admin exists: the file goes, and with it the code and the blink.
rm -f "$SN/data/setup-code"
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
if ! grep -q "7KBX" "$SN/run/issue" && [ ! -e "$SN/run/setup-needed" ] && [ "$(cat "$SN/leds/ACT/trigger")" = mmc0 ] && [ ! -e "$SN/run/led-trigger" ]; then
	pass
else
	fail "setup-notice after setup: banner $(cat "$SN/run/issue"), LED $(cat "$SN/leds/ACT/trigger")"
fi
echo "none timer [mmc0] heartbeat default-on" >"$SN/leds/ACT/trigger"
# A file that is not a code (getty would interpret the backslash escapes):
# the banner says setup is needed, without the file's content.
printf '\\l\033[2J\n' >"$SN/data/setup-code"
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
if grep -q "does not hold a setup code" "$SN/run/issue" && ! grep -qF "\\" "$SN/run/issue" && ! grep -q "$(printf '\033')" "$SN/run/issue" "$SN/console"; then pass; else fail "setup-notice: a malformed code reached the banner or console: $(cat -v "$SN/run/issue")"; fi
rm -f "$SN/data/setup-code"
notice sh "$OV/usr/libexec/linetap/setup-notice" --once
echo "none timer [mmc0] heartbeat default-on" >"$SN/leds/ACT/trigger"
# The loop, as S98setupnotice runs it (BusyBox ash): a code that appears
# is shown within its poll interval, and goes when the file goes; SIGTERM
# ends it.
# env execs busybox: $! is the loop itself.
env "${sn_env[@]}" busybox sh "$OV/usr/libexec/linetap/setup-notice" </dev/null >/dev/null 2>&1 &
SV_PID=$!
in_issue() { grep -q "$1" "$SN/run/issue" 2>/dev/null; }
not_in_issue() { ! in_issue "$1"; }
printf 'ABCD-EFGH-JKMN\n' >"$SN/data/setup-code"
if wait_for 20 in_issue "ABCD-EFGH-JKMN"; then pass; else fail "setup-notice loop: code not shown within 20 s"; fi
rm -f "$SN/data/setup-code"
if wait_for 20 not_in_issue "ABCD-EFGH-JKMN"; then pass; else fail "setup-notice loop: code still shown after the file went"; fi
kill -TERM "$SV_PID" 2>/dev/null
if wait_for 20 dead "$SV_PID"; then pass; else fail "setup-notice loop ignores SIGTERM"; fi
SV_PID=
# S98setupnotice (BusyBox ash, start-stop-daemon) starts the loop in the
# background with a pid file, and stop ends it.
rm -f "$SN/run/setup-notice.pid"
if out=$(notice SETUP_NOTICE="$OV/usr/libexec/linetap/setup-notice" busybox sh "$OV/etc/init.d/S98setupnotice" start 2>&1) &&
	[[ "$out" == *OK* ]] && [ -s "$SN/run/setup-notice.pid" ]; then
	pass
else
	fail "S98setupnotice start: $out"
fi
sn_pid=$(cat "$SN/run/setup-notice.pid" 2>/dev/null)
SV_PID=$sn_pid # stopped on exit, whatever happens
printf 'WXYZ-0123-4567\n' >"$SN/data/setup-code"
if wait_for 20 in_issue "WXYZ-0123-4567"; then pass; else fail "S98setupnotice: the started loop does not show a new code"; fi
rm -f "$SN/data/setup-code"
if out=$(notice busybox sh "$OV/etc/init.d/S98setupnotice" stop 2>&1) && [[ "$out" == *OK* ]] && wait_for 20 dead "$sn_pid" &&
	[ ! -e "$SN/run/setup-notice.pid" ]; then
	pass
else
	fail "S98setupnotice stop: $out (pid $sn_pid)"
	kill -TERM "$sn_pid" 2>/dev/null
fi
SV_PID=

# First boot: a blank data partition is grown and formatted, then mounted;
# one with a file system is only mounted.
datafs() {
	env PATH="$SB/bin:$PATH" LINETAP_APPLIANCE_CONF="$TMP/datafs.conf" \
		sh "$HERE/board/linetap/common/rootfs-overlay/etc/init.d/S05datafs" start
}
DISK="$TMP/disk"
: >"$DISK"
cat >"$TMP/datafs.conf" <<EOF
DATA_DEV=$DISK
DATA_DISK=$TMP/diskwhole
DATA_PARTNO=4
DATA_MOUNT=$TMP/data-mnt
LINETAP_DATA=$TMP/data-mnt/linetap
EOF
# A missing device is a clear failure.
sed "s#^DATA_DEV=.*#DATA_DEV=$TMP/nonexistent-part4#" "$TMP/datafs.conf" >"$TMP/datafs-missing.conf"
out=$(env PATH="$SB/bin:$PATH" LINETAP_APPLIANCE_CONF="$TMP/datafs-missing.conf" \
	sh "$HERE/board/linetap/common/rootfs-overlay/etc/init.d/S05datafs" start 2>&1)
if [[ "$out" == *"FAIL ($TMP/nonexistent-part4 missing)"* ]]; then pass; else fail "S05datafs: no clear error for a missing device: $out"; fi
# A blank partition (an image file here).
: >"$CALLS"
out=$(datafs 2>&1)
if grep -q "^sfdisk .*-N 4 $TMP/diskwhole\$" "$CALLS" && grep -q "^mkfs.ext4 .*-L linetap-data $DISK\$" "$CALLS"; then pass; else fail "S05datafs: blank partition not grown and formatted: $(cat "$CALLS")"; fi
if grep -q "^mount -t ext4 -o rw,noatime $DISK $TMP/data-mnt\$" "$CALLS"; then pass; else fail "S05datafs: data partition not mounted rw: $(cat "$CALLS")"; fi
if [ -d "$TMP/data-mnt/linetap" ] && [ "$(stat -c %a "$TMP/data-mnt/linetap")" = 700 ]; then pass; else fail "S05datafs: $TMP/data-mnt/linetap not made 0700"; fi
: >"$CALLS"
echo ext4 >"$DISK.type"
out=$(datafs 2>&1)
if ! grep -qE "^(mkfs.ext4|sfdisk) " "$CALLS" && grep -q "^mount -t ext4 " "$CALLS"; then pass; else fail "S05datafs: touched a partition that holds a file system: $(cat "$CALLS")"; fi

# ---------------------------------------------------------------- 5s
section "supervisor: health probe, RAUC mark-good, fallback (sandbox)"
# A stand-in linetapd that runs until SIGTERM (then exits 0) or, with
# FAKE_FAIL, exits 1 at once; the health probe answers while
# $SV/healthy exists. rauc and reboot are stand-ins that record their calls.
SV="$TMP/sv"
mkdir -p "$SV/bin"
cat >"$SV/linetapd" <<'FAKE'
#!/bin/sh
echo "linetapd stand-in: up"
echo "linetapd stand-in args: $*"
[ -n "${FAKE_FAIL:-}" ] && exit 1
if [ -n "${FAKE_STUBBORN:-}" ]; then trap '' TERM; else trap 'exit 0' TERM; fi
while :; do sleep 1; done
FAKE
printf '#!/bin/sh\n[ -e "%s/healthy" ]\n' "$SV" >"$SV/probe"
printf '#!/bin/sh\necho "rauc $*" >>"%s/calls"\n' "$SV" >"$SV/bin/rauc"
printf '#!/bin/sh\necho "reboot" >>"%s/calls"\n' "$SV" >"$SV/bin/reboot"
chmod +x "$SV/linetapd" "$SV/probe" "$SV"/bin/*
echo "console=ttyAMA0 root=/dev/mmcblk0p3 ro rauc.slot=B" >"$SV/cmdline-b"
echo "console=ttyAMA0 root=/dev/mmcblk0p2 ro rauc.slot=A linetap.nofallback" >"$SV/cmdline-nofallback"

# supervise NAME CMDLINE [VAR=value...]: starts the supervisor in the
# background under the host's sh (BusyBox ash would run its own reboot
# applet), logging to $SV/NAME.log, its run directory $SV/NAME.
supervise() {
	local name=$1 cmdline=$2
	shift 2
	: >"$SV/$name.log"
	env PATH="$SV/bin:$PATH" LINETAP_DEFAULTS=/nonexistent LINETAPD_BIN="$SV/linetapd" \
		LINETAPD_CONFIG=/dev/null LINETAP_RUN="$SV/$name" LINETAP_REQUIRE_MOUNT= \
		LINETAPD_HEALTH_CMD="$SV/probe" LINETAPD_HEALTH_INTERVAL=1 LINETAPD_HEALTH_FAILURES=2 \
		LINETAPD_STOP_TIMEOUT=5 LINETAPD_BACKOFF_MAX=1 LINETAP_LOG="$SV/$name.log" \
		LINETAP_CMDLINE="$cmdline" LINETAP_REBOOT_CMD="$SV/bin/reboot" "$@" \
		sh "$HERE/package/linetap/supervise" </dev/null >/dev/null 2>&1 &
	SV_PID=$!
}
logged() { grep -q "$2" "$1" 2>/dev/null; }
logged_times() { [ "$(grep -c "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
# stop_supervisor: SIGTERM to the last supervisor started; true once gone.
stop_supervisor() {
	kill -TERM "$SV_PID" 2>/dev/null
	wait_for 60 dead "$SV_PID"
}

# Answers: the slot is marked good, once. Stops answering: restarted.
: >"$SV/calls"
touch "$SV/healthy"
supervise good "$SV/cmdline-b"
if wait_for 60 logged "$SV/good.log" "answers on"; then pass; else fail "supervise: never saw the stand-in answer: $(cat "$SV/good.log")"; fi
# The appliance default: linetapd's HTTPS, no --http (LINETAPD_WEB_ARGS).
if logged "$SV/good.log" "linetapd stand-in args: --config /dev/null\$"; then pass; else fail "supervise: linetapd not run with just --config FILE: $(grep 'stand-in args' "$SV/good.log")"; fi
if wait_for 30 logged "$SV/good.log" "RAUC slot B marked good" && logged "$SV/calls" "^rauc status mark-good\$"; then pass; else fail "supervise: slot B not marked good: $(cat "$SV/calls")"; fi
first=$(cat "$SV/good/linetapd.pid" 2>/dev/null)
rm -f "$SV/healthy"
if wait_for 60 logged "$SV/good.log" "hangs: restarting it"; then pass; else fail "supervise: a linetapd that stops answering is not restarted: $(cat "$SV/good.log")"; fi
touch "$SV/healthy"
if wait_for 60 restarted_in "$SV/good" "$first" && wait_for 60 logged_times "$SV/good.log" "answers on" 2; then pass; else fail "supervise: no new linetapd answering after the hang: $(cat "$SV/good.log")"; fi
if [ "$(grep -c "mark-good" "$SV/calls")" = 1 ]; then pass; else fail "supervise: mark-good run $(grep -c "mark-good" "$SV/calls") times in one boot (want 1)"; fi
child=$(cat "$SV/good/linetapd.pid" 2>/dev/null)
if stop_supervisor && dead "$child" && logged "$SV/good.log" "linetapd stopped (exit status 0)"; then pass; else fail "supervise: SIGTERM did not stop linetapd (pid $child) cleanly: $(cat "$SV/good.log")"; fi
if [ ! -e "$SV/good/supervise.pid" ]; then pass; else fail "supervise: pid file left after exit"; fi

# On the board (no LINETAP_LOG) linetapd's output goes to syslog, tagged
# linetapd, through a FIFO; the stand-in logger writes what it gets.
cat >"$SV/bin/logger" <<LOGGER
#!/bin/sh
tag=
[ "\$1" = -t ] && tag=\$2 && shift 2
[ "\$1" = -- ] && shift
if [ \$# -gt 0 ]; then echo "\$tag: \$*" >>"$SV/syslog"; exit 0; fi
# From stdin, line by line as BusyBox logger does.
while IFS= read -r line; do echo "\$tag: \$line" >>"$SV/syslog"; done
LOGGER
chmod +x "$SV/bin/logger"
: >"$SV/syslog"
touch "$SV/healthy"
supervise via-syslog "$SV/cmdline-b" LINETAP_LOG=
if wait_for 60 logged "$SV/syslog" "^linetapd: linetapd stand-in: up\$" &&
	wait_for 30 logged "$SV/syslog" "^linetapd-supervise: started linetapd"; then
	pass
else
	fail "supervise: linetapd's output and the supervisor's messages do not reach syslog: $(cat "$SV/syslog")"
fi
stop_supervisor
rm -f "$SV/bin/logger"

# A linetapd that runs but never answers is restarted after
# LINETAPD_START_TIMEOUT.
rm -f "$SV/healthy"
supervise mute "$SV/cmdline-b" LINETAPD_START_TIMEOUT=2 LINETAPD_WEB_ARGS= LINETAPD_ARGS="--watchdog /dev/watchdog"
if wait_for 60 logged "$SV/mute.log" "did not answer within 2s of its start: restarting it" &&
	wait_for 30 logged_times "$SV/mute.log" "started linetapd" 2; then
	pass
else
	fail "supervise: a linetapd that never answers is not restarted: $(cat "$SV/mute.log")"
fi
# LINETAPD_WEB_ARGS empty: linetapd's default (HTTPS); LINETAPD_ARGS added.
if logged "$SV/mute.log" "linetapd stand-in args: --config /dev/null --watchdog /dev/watchdog\$"; then pass; else fail "supervise: LINETAPD_WEB_ARGS= / LINETAPD_ARGS not honoured: $(grep 'stand-in args' "$SV/mute.log")"; fi
stop_supervisor

# A linetapd that ignores SIGTERM is killed after LINETAPD_STOP_TIMEOUT.
touch "$SV/healthy"
supervise stubborn "$SV/cmdline-b" FAKE_STUBBORN=1 LINETAPD_STOP_TIMEOUT=2
wait_for 60 logged "$SV/stubborn.log" "answers on"
child=$(cat "$SV/stubborn/linetapd.pid" 2>/dev/null)
if stop_supervisor && dead "$child" && logged "$SV/stubborn.log" "did not stop in 2s: SIGKILL"; then pass; else fail "supervise: a linetapd that ignores SIGTERM is not killed: $(cat "$SV/stubborn.log")"; fi

# A new slot whose linetapd never starts: after LINETAPD_FALLBACK_AFTER
# failures the box reboots (so that U-Boot falls back); not so with
# linetap.nofallback.
rm -f "$SV/healthy"
: >"$SV/calls"
supervise fallback "$SV/cmdline-b" FAKE_FAIL=1 LINETAPD_FALLBACK_AFTER=3
if wait_for 60 logged "$SV/calls" "^reboot\$" && wait_for 10 logged "$SV/fallback.log" "failed 3 times on unconfirmed slot B"; then pass; else fail "supervise: no fallback reboot: $(cat "$SV/fallback.log")"; fi
stop_supervisor
: >"$SV/calls"
supervise nofallback "$SV/cmdline-nofallback" FAKE_FAIL=1 LINETAPD_FALLBACK_AFTER=2
if wait_for 60 logged_times "$SV/nofallback.log" "exited with status 1" 4; then pass; else fail "supervise: failing linetapd not restarted: $(cat "$SV/nofallback.log")"; fi
if ! grep -q reboot "$SV/calls"; then pass; else fail "supervise: rebooted despite linetap.nofallback"; fi
stop_supervisor

# ---------------------------------------------------------------- 5a
section "post-build and post-image (sandbox)"
# Buildroot runs them with TARGET_DIR/BINARIES_DIR and the board; the
# Buildroot tools they call (genimage.sh, rauc, openssl) are stand-ins.
PB="$TMP/pb"
mkdir -p "$PB/target/etc/rauc" "$PB/base" "$PB/host/bin" "$PB/br/support/scripts" "$PB/images/rpi-firmware/overlays" "$PB/build"
cp "$HERE/board/linetap/rpi4-64/rootfs-overlay/etc/rauc/system.conf" "$PB/target/etc/rauc/system.conf"
cat >"$PB/host/bin/openssl" <<STUB
#!/bin/sh
echo "openssl \$*" >>"$PB/calls"
while [ \$# -gt 0 ]; do
	case "\$1" in -keyout) echo KEY >"\$2" ;; -out) echo CERT >"\$2" ;; esac
	shift
done
STUB
cat >"$PB/host/bin/rauc" <<STUB
#!/bin/sh
echo "rauc \$*" >>"$PB/calls"
STUB
cat >"$PB/br/support/scripts/genimage.sh" <<STUB
#!/bin/sh
echo "genimage.sh \$*" >>"$PB/calls"
STUB
chmod +x "$PB"/host/bin/* "$PB/br/support/scripts/genimage.sh"
want_version=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
if out=$(env -u LINETAP_RAUC_CERT -u LINETAP_RAUC_KEY HOST_DIR="$PB/host" BASE_DIR="$PB/base" BR2_EXTERNAL_LINETAP_PATH="$HERE" \
	sh "$HERE/board/linetap/common/post-build.sh" "$PB/target" rpi4-64 2>&1); then pass; else fail "post-build.sh: $out"; fi
if grep -qx "LINETAP_VERSION=$want_version" "$PB/target/etc/linetap-release" 2>/dev/null &&
	grep -qx "LINETAP_BOARD=rpi4-64" "$PB/target/etc/linetap-release"; then
	pass
else
	fail "post-build.sh: /etc/linetap-release lacks LINETAP_VERSION=$want_version: $(cat "$PB/target/etc/linetap-release" 2>/dev/null)"
fi
for d in data boot/firmware media; do
	if [ -d "$PB/target/$d" ]; then pass; else fail "post-build.sh: no /$d mount point"; fi
done
if [ "$(readlink "$PB/target/etc/issue")" = ../run/linetap/issue ]; then pass; else fail "post-build.sh: /etc/issue is not a link to ../run/linetap/issue"; fi
# Run again (Buildroot runs it on every make): still the link, and a write
# through it stays inside the target directory.
if HOST_DIR="$PB/host" BASE_DIR="$PB/base" BR2_EXTERNAL_LINETAP_PATH="$HERE" sh "$HERE/board/linetap/common/post-build.sh" "$PB/target" rpi4-64 >/dev/null 2>&1 &&
	echo banner >"$PB/target/etc/issue" && [ "$(cat "$PB/target/run/linetap/issue")" = banner ]; then
	pass
else
	fail "post-build.sh run twice: /etc/issue link broken"
fi
if [ "$(cat "$PB/target/etc/rauc/ca.cert.pem" 2>/dev/null)" = CERT ] && [ -f "$PB/base/linetap-rauc-dev/ca.key.pem" ] &&
	[ ! -e "$PB/target/etc/rauc/ca.key.pem" ]; then
	pass
else
	fail "post-build.sh: development certificate not installed (or the key leaked into the target)"
fi
# A board whose system.conf does not match is refused.
if ! out=$(HOST_DIR="$PB/host" BASE_DIR="$PB/base" sh "$HERE/board/linetap/common/post-build.sh" "$PB/target" rpi3 2>&1) &&
	[[ "$out" == *"is not for linetap-rpi3"* ]]; then pass; else fail "post-build.sh accepted a system.conf of another board: $out"; fi

touch "$PB/images/u-boot.bin" "$PB/images/boot.scr" "$PB/images/rootfs.ext4" "$PB/images/bcm2711-rpi-4-b.dtb" \
	"$PB/images/rpi-firmware/start4.elf" "$PB/images/rpi-firmware/cmdline.txt"
if out=$(cd "$PB/br" && env -u LINETAP_RAUC_CERT -u LINETAP_RAUC_KEY HOST_DIR="$PB/host" BASE_DIR="$PB/base" BUILD_DIR="$PB/build" \
	BR2_EXTERNAL_LINETAP_PATH="$HERE" sh "$HERE/board/linetap/common/post-image.sh" "$PB/images" rpi4-64 2>&1); then pass; else fail "post-image.sh: $out"; fi
gcfg="$PB/images/genimage.cfg"
for f in '"rpi-firmware/start4.elf"' '"rpi-firmware/config.txt"' '"rpi-firmware/overlays"' '"bcm2711-rpi-4-b.dtb"' '"u-boot.bin"' '"boot.scr"'; do
	if grep -qF "$f" "$gcfg" 2>/dev/null; then pass; else fail "post-image.sh: $f not on the boot partition"; fi
done
if ! grep -q 'cmdline.txt' "$gcfg" && ! grep -q '@BOOT_FILES@' "$gcfg"; then pass; else fail "post-image.sh: genimage.cfg has cmdline.txt or an unfilled @BOOT_FILES@"; fi
if [ "$(stat -c %s "$PB/images/data-blank.img" 2>/dev/null)" = 1048576 ]; then pass; else fail "post-image.sh: data-blank.img is not 1 MiB"; fi
if grep -q "^genimage.sh -c $gcfg\$" "$PB/calls"; then pass; else fail "post-image.sh did not run genimage on its config"; fi
if grep -qE "^rauc bundle --cert=$PB/base/linetap-rauc-dev/ca.cert.pem --key=$PB/base/linetap-rauc-dev/ca.key.pem $PB/build/linetap-rauc-bundle $PB/images/linetap-rpi4-64-.+\.raucb\$" "$PB/calls"; then pass; else fail "post-image.sh: rauc bundle not made as expected: $(cat "$PB/calls")"; fi
man="$PB/build/linetap-rauc-bundle/manifest.raucm"
if grep -qx "compatible=linetap-rpi4-64" "$man" && grep -qx "version=$want_version" "$man" && grep -qx "filename=rootfs.ext4" "$man"; then pass; else fail "post-image.sh: manifest: $(cat "$man" 2>/dev/null)"; fi

# ---------------------------------------------------------------- 5m
section "linetap.mk hooks (GNU make, Buildroot stand-ins)"
# linetap.mk is included with the few Buildroot names it uses defined
# (golang-package empty, qstrip, HOST_GO_ROOT), and its pre-build hooks run
# against a build directory and a stand-in go that reports a version.
if need make "apt-get install make"; then
	MK="$TMP/mk"
	mkdir -p "$MK/build/linetap/vendor" "$MK/go/bin"
	git -C "$REPO" show HEAD:go.mod >"$MK/build/linetap/go.mod"
	cat >"$MK/harness.mk" <<HARNESS
BR2_EXTERNAL_LINETAP_PATH := $HERE
HOST_GO_ROOT := $MK/go
golang-package :=
qstrip = \$(strip \$(subst ",,\$(1)))
include $HERE/package/linetap/linetap.mk
$MK/build/linetap/.stamp_built:
	\$(foreach h,\$(LINETAP_PRE_BUILD_HOOKS),\$(call \$(h))\$(sep))
HARNESS
	# GNU make: a newline between the expanded hooks.
	sed -i '1i define sep\n\n\nendef' "$MK/harness.mk"
	# shellcheck disable=SC2016 # $1 and $2 belong to the stand-in.
	fakego() { printf '#!/bin/sh\n[ "$1 $2" = "env GOVERSION" ] && echo go%s\n' "$1" >"$MK/go/bin/go" && chmod +x "$MK/go/bin/go"; }
	runhooks() { make -s --no-print-directory -f "$MK/harness.mk" "$MK/build/linetap/.stamp_built" 2>&1; }
	need_go=$(sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$MK/build/linetap/go.mod")
	: >"$MK/build/linetap/vendor/modules.txt"
	fakego 1.23.12
	if out=$(runhooks); then fail "linetap.mk: the build goes on with Go 1.23.12 for go.mod's $need_go"; elif [[ "$out" == *"go.mod needs Go $need_go, but Buildroot's host-go is '1.23.12'"* ]]; then pass; else fail "linetap.mk: unclear error for an old Go: $out"; fi
	fakego "$need_go"
	if out=$(runhooks); then pass; else fail "linetap.mk: Go $need_go refused for go.mod's $need_go: $out"; fi
	fakego 1.25.14
	if out=$(runhooks); then pass; else fail "linetap.mk: Go 1.25.14 refused: $out"; fi
	rm -f "$MK/build/linetap/vendor/modules.txt"
	if ! out=$(runhooks) && [[ "$out" == *"vendor/modules.txt is missing"* ]]; then pass; else fail "linetap.mk: no clear error without vendor/: $out"; fi
	want_tags=""
	# shellcheck disable=SC2016 # make variables, expanded by make.
	out=$(make -s --no-print-directory -f "$MK/harness.mk" -E 'show: ; @echo "$(LINETAP_LICENSE)|$(LINETAP_LICENSE_FILES)|$(LINETAP_GOMOD)|$(strip $(LINETAP_TAGS))|$(LINETAP_GO_ENV)"' show 2>&1)
	if [ "$out" = "Apache-2.0|LICENSE|github.com/linetap/linetap|$want_tags|CGO_ENABLED=0" ]; then pass; else fail "linetap.mk without options: $out"; fi
	# shellcheck disable=SC2016 # make variables, expanded by make.
	out=$(make -s --no-print-directory -f "$MK/harness.mk" BR2_PACKAGE_LINETAP_PORTAUDIO=y BR2_PACKAGE_LINETAP_OPUS=y -E 'show: ; @echo "$(strip $(LINETAP_TAGS))|$(LINETAP_GO_ENV)|$(strip $(LINETAP_DEPENDENCIES))"' show 2>&1)
	if [ "$out" = "portaudio opus|CGO_ENABLED=1|alsa-lib portaudio host-pkgconf opus" ]; then pass; else fail "linetap.mk with PortAudio and Opus: $out"; fi
fi

# ---------------------------------------------------------------- 5b
section "make image fails early and clearly"
out=$(BR_CACHE="$TMP/br-cache" BR_OUTPUT="$TMP/br-out" timeout -s KILL 60 "$HERE/image.sh" rpi5 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"unknown board 'rpi5'"* ]]; then pass; else fail "image.sh rpi5: status $rc, $out"; fi
out=$(BUILDROOT_VERSION=2023.11 BR_CACHE="$TMP/br-cache" BR_OUTPUT="$TMP/br-out" timeout -s KILL 60 "$HERE/image.sh" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"not a 2025.02.x LTS release"* ]]; then pass; else fail "image.sh with a non-LTS Buildroot: status $rc, $out"; fi
# No network here: the download fails at once (port 9 refuses), with the
# reason, and leaves no partial tarball behind.
out=$(BUILDROOT_URL=http://127.0.0.1:9/downloads BR_CACHE="$TMP/br-cache" BR_OUTPUT="$TMP/br-out" timeout -s KILL 60 "$HERE/image.sh" rpi3 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ "$out" == *"cannot download Buildroot 2025.02."*"needs network access"* ]]; then pass; else fail "image.sh without network: status $rc, $out"; fi
if [ -z "$(ls -A "$TMP/br-cache" 2>/dev/null)" ]; then pass; else fail "image.sh left files in its cache after a failed download: $(ls "$TMP/br-cache")"; fi

# ---------------------------------------------------------------- 5c
section "make image without network: host Go and local.mk (stand-in Buildroot)"
# A stand-in Buildroot 2025.02.18 tarball (with its .sign) in the cache, a
# stand-in make that records its calls and makes the two images, and a Go
# distribution given by HOST_GOROOT: image.sh gets as far as Buildroot's
# make, and what it hands Buildroot (local.mk, the vendored stage) is
# checked. go mod vendor runs for real, offline (GOPROXY=off: the module
# cache must hold the modules, as it does for go build).
IMG="$TMP/img"
mkdir -p "$IMG/cache" "$IMG/bin" "$IMG/goroot/bin"
# make_buildroot GO_VERSION: the cached tarball and .sign of a stand-in
# Buildroot whose package/go ships GO_VERSION.
make_buildroot() {
	local v=2025.02.18 d="$IMG/src/buildroot-2025.02.18"
	rm -rf "$IMG/src" "$IMG/cache/buildroot-$v" "$IMG/cache/buildroot-$v.tar.xz"*
	mkdir -p "$d/package/go/go-bin"
	echo "# stand-in" >"$d/Makefile"
	printf 'GO_VERSION = %s\n' "$1" >"$d/package/go/go.mk"
	echo "# stand-in" >"$d/package/go/go-bin/go-bin.mk"
	tar -cJf "$IMG/cache/buildroot-$v.tar.xz" -C "$IMG/src" "buildroot-$v"
	printf 'SHA256: %s  buildroot-%s.tar.xz\n' "$(sha256sum "$IMG/cache/buildroot-$v.tar.xz" | awk '{print $1}')" "$v" >"$IMG/cache/buildroot-$v.tar.xz.sign"
}
cat >"$IMG/bin/make" <<STUB
#!/bin/sh
echo "make \$*" >>"$IMG/calls"
for a; do case "\$a" in O=*) out=\${a#O=} ;; esac; done
case "\$*" in *_defconfig) exit 0 ;; esac
mkdir -p "\$out/images" && touch "\$out/images/sdcard.img" "\$out/images/linetap-rpi4-64-test.raucb"
STUB
# Buildroot's host tools this machine lacks are stand-ins: only make runs.
for t in gcc g++ patch perl python3 rsync bc cpio unzip file tar xz bzip2 gzip which git; do
	command -v "$t" >/dev/null 2>&1 || printf '#!/bin/sh\nexit 0\n' >"$IMG/bin/$t"
done
chmod +x "$IMG"/bin/*
printf '#!/bin/sh\necho "go version go1.25.14 linux/amd64"\n' >"$IMG/goroot/bin/go"
chmod +x "$IMG/goroot/bin/go"
gomod_go=$(git -C "$REPO" show HEAD:go.mod | sed -n 's/^go \([0-9][0-9.]*\)$/\1/p')
image() {
	: >"$IMG/calls"
	env PATH="$IMG/bin:$PATH" GO="$GO" MAKE="$IMG/bin/make" GOPROXY=off GOFLAGS= BR_CACHE="$IMG/cache" BR_OUTPUT="$IMG/out" \
		BUILDROOT_URL=http://127.0.0.1:9/downloads HOST_GO_URL=http://127.0.0.1:9/dl "$@" \
		timeout -s KILL 120 "$HERE/image.sh" rpi4-64 2>&1
}
if need xz "apt-get install xz-utils"; then
	make_buildroot 1.23.12
	# Buildroot's Go is too old and the Go given is too old too.
	echo go1.24.9 >"$IMG/goroot/VERSION"
	if ! out=$(image HOST_GOROOT="$IMG/goroot") && [[ "$out" == *"is 1.24.9, but go.mod needs Go $gomod_go"* ]]; then pass; else fail "image.sh accepted Go 1.24.9 for go.mod's $gomod_go: $out"; fi
	# A Go version whose SHA-256 is not pinned is refused before download.
	if ! out=$(image HOST_GO_VERSION=1.99.0) && [[ "$out" == *"no SHA-256 known for go1.99.0.linux-"* ]]; then pass; else fail "image.sh: unpinned Go version: $out"; fi
	# A cached Go tarball that is not the published one is refused and removed.
	case "$(uname -m)" in x86_64) ga=amd64 ;; aarch64) ga=arm64 ;; *) ga="" ;; esac
	if [ -n "$ga" ]; then
		echo "not go" >"$IMG/cache/go1.25.14.linux-$ga.tar.gz"
		if ! out=$(image) && [[ "$out" == *"go1.25.14.linux-$ga.tar.gz: SHA-256 "*"go.dev publishes"* ]] && [ ! -e "$IMG/cache/go1.25.14.linux-$ga.tar.gz" ]; then pass; else fail "image.sh: a Go tarball with the wrong SHA-256 was not refused and removed: $out"; fi
		# No network: the download fails at once, with the reason.
		if ! out=$(image) && [[ "$out" == *"cannot download Go 1.25.14 from http://127.0.0.1:9/dl/go1.25.14.linux-$ga.tar.gz"* ]]; then pass; else fail "image.sh: Go download without network: $out"; fi
	fi
	# Go 1.25.14: image.sh runs Buildroot's make with local.mk pointing
	# host-go-bin at it and linetap at a vendored stage.
	echo go1.25.14 >"$IMG/goroot/VERSION"
	if out=$(image HOST_GOROOT="$IMG/goroot"); then pass; else fail "image.sh with a stand-in Buildroot and Go 1.25.14: $out"; fi
	lm="$IMG/out/rpi4-64/local.mk"
	if grep -qx "HOST_GO_BIN_OVERRIDE_SRCDIR = $IMG/goroot" "$lm" 2>/dev/null &&
		grep -qx "LINETAP_OVERRIDE_SRCDIR = $IMG/out/linetap-src" "$lm"; then
		pass
	else
		fail "image.sh: local.mk does not override host-go-bin and linetap: $(cat "$lm" 2>/dev/null)"
	fi
	if [ -s "$IMG/out/linetap-src/vendor/modules.txt" ] && [ -f "$IMG/out/linetap-src/go.mod" ] && [ ! -e "$IMG/out/linetap-src/bin" ]; then pass; else fail "image.sh: the stage is not the vendored committed tree"; fi
	if grep -qx "make -C $IMG/cache/buildroot-2025.02.18 O=$IMG/out/rpi4-64 BR2_EXTERNAL=$HERE linetap_rpi4_64_defconfig" "$IMG/calls" &&
		grep -qx "make -C $IMG/cache/buildroot-2025.02.18 O=$IMG/out/rpi4-64" "$IMG/calls"; then
		pass
	else
		fail "image.sh: Buildroot's make not run as documented: $(cat "$IMG/calls")"
	fi
	# A Buildroot whose own Go is new enough: no override.
	make_buildroot "$gomod_go"
	if out=$(image) && [[ "$out" == *"ships Go $gomod_go, enough for go.mod"* ]] && ! grep -q HOST_GO_BIN_OVERRIDE_SRCDIR "$lm"; then pass; else fail "image.sh overrides a Go that is new enough: $out"; fi
fi

# ---------------------------------------------------------------- 6
section "init script starts linetapd (arm64) under qemu-user"
if need qemu-aarch64-static "apt-get install qemu-user-static" && need "$GO" "Go from https://go.dev/dl"; then
	src="$REPO"
	if [ "${BUILDROOT_CHECK_SRC:-}" = head ]; then
		src="$TMP/src"
		mkdir -p "$src"
		git -C "$REPO" archive --format=tar HEAD | tar -x -C "$src"
	fi
	ARM="$TMP/arm64"
	mkdir -p "$ARM"
	if out=$(cd "$src" && GOOS=linux GOARCH=arm64 CGO_ENABLED=0 "$GO" build -o "$ARM/linetapd" ./cmd/linetapd 2>&1); then
		pass
		run_linetapd_test
	else
		fail "GOARCH=arm64 CGO_ENABLED=0 go build ./cmd/linetapd: $out"
	fi
fi

echo "buildroot-check: $checks checks, $failures failed"
[ "$failures" -eq 0 ]
