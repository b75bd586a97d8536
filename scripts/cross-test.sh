#!/usr/bin/env bash
# Runs the ARM builds of linetapd and linetap (scripts/cross.sh) under
# qemu-user on a short WAV replay: linetapd records one hook-triggered call
# from a 4 s, 1-channel WAV with a line-event sidecar and exits at the end
# of the file; linetap then lists the call and exports its audio, and the
# exported length is checked. Every emulated process runs under
# `timeout -s KILL` (qemu-user can spin forever at Go start-up with a bad
# -L). Exits non-zero on any failure.
#
#   scripts/cross-test.sh [arm64] [armv7]   (default: both; builds first)
#   CROSS_NOBUILD=1   use the binaries already in bin/linux-*/
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin}
CACHE=${CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/linetap-cross}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(arm64 armv7)
[ -n "${CROSS_NOBUILD:-}" ] || scripts/cross.sh "${targets[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A 4 s, 8 kHz, mono, 16-bit WAV of noise (the content does not matter:
# the call is triggered by the hook events).
rate=8000 secs=4
bytes=$((rate * secs * 2))
# le32 N: N as 4 little-endian bytes.
le32() {
  local b
  for b in 0 8 16 24; do
    # shellcheck disable=SC2059 # the format is the escape being built
    printf "\\$(printf %03o $((($1 >> b) & 255)))"
  done
}
{
  printf 'RIFF'; le32 $((36 + bytes)); printf 'WAVEfmt '; le32 16
  printf '\x01\x00\x01\x00'; le32 $rate; le32 $((rate * 2)); printf '\x02\x00\x10\x00'
  printf 'data'; le32 $bytes
  head -c $bytes /dev/urandom
} > "$work/in.wav"
printf '0.5 0 off-hook\n3.0 0 on-hook\n' > "$work/in.events"
cat > "$work/linetap.json" <<JSON
{"listen": "127.0.0.1:0", "preroll": "0s", "postroll": "0s",
 "source": {"kind": "wavfile", "file": "$work/in.wav", "events": "$work/in.events", "speed": 0},
 "lines": [{"name": "Line 1", "channel": 0, "codec": "l16"}]}
JSON

fail=0
for t in "${targets[@]}"; do
  case $t in
    arm64) qemu=qemu-aarch64-static S=$CACHE/arm64/sysroot ;;
    armv7) qemu=qemu-arm-static S=$CACHE/armhf/sysroot ;;
    *) echo "cross-test: unknown target $t" >&2; exit 2 ;;
  esac
  d=$work/data-$t
  run() { timeout -s KILL 120 "$qemu" -L "$S" "$@"; }
  echo "cross-test: $t: linetapd replays the WAV"
  if ! run "$BIN/linux-$t/linetapd" --config "$work/linetap.json" --data "$d" > "$work/$t.out" 2>&1; then
    echo "cross-test: $t: linetapd failed:" >&2; cat "$work/$t.out" >&2; fail=1; continue
  fi
  calls=$(run "$BIN/linux-$t/linetap" calls --data "$d" --json)
  n=$(printf '%s\n' "$calls" | grep -c '"id"' || true)
  if [ "$n" != 1 ]; then
    echo "cross-test: $t: want 1 call, got $n: $calls" >&2; fail=1; continue
  fi
  id=$(printf '%s\n' "$calls" | sed -n 's/.*"id": *"\{0,1\}\([^",]*\).*/\1/p' | head -1)
  run "$BIN/linux-$t/linetap" audio --data "$d" "$id" "$work/$t.wav"
  # 2.5 s of 8 kHz 16-bit audio (off-hook at 0.5 s, on-hook at 3.0 s, no
  # pre- or post-roll) plus a 44-byte header.
  size=$(stat -c %s "$work/$t.wav")
  if [ "$size" != $((44 + 5 * rate)) ]; then
    echo "cross-test: $t: exported $size bytes, want $((44 + 5 * rate))" >&2; fail=1; continue
  fi
  echo "cross-test: $t: ok (call $id, $size bytes)"
done
exit $fail
