#!/usr/bin/env bash
# Runs the signal-processing packages' tests (dsp/...) built for the
# appliance's CPUs, 32-bit ARMv7 and arm64, under qemu-user: there they
# take the scalar code paths (the assembly is x86-64 only) and a 32-bit
# int, neither of which the native test run exercises.
#
#   scripts/arm-dsp-test.sh [arm64] [armv7]   (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(armv7 arm64)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for target in "${targets[@]}"; do
  case $target in
  arm64) env=(GOARCH=arm64) qemu=qemu-aarch64-static ;;
  armv7) env=(GOARCH=arm GOARM=7) qemu=qemu-arm-static ;;
  *) echo "arm-dsp-test.sh: unknown target $target (arm64, armv7)" >&2; exit 2 ;;
  esac
  command -v "$qemu" >/dev/null || { echo "arm-dsp-test.sh: $qemu missing (apt-get install qemu-user-static)" >&2; exit 1; }
  for pkg in $(go list ./dsp/...); do
    name=$(basename "$pkg")
    env "${env[@]}" CGO_ENABLED=0 go test -c -o "$work/$target-$name.test" "$pkg"
    [ -f "$work/$target-$name.test" ] || continue # a package without tests
    start=$(date +%s)
    # Each test binary runs in its own directory for its testdata paths.
    if ! (cd "$(go list -f '{{.Dir}}' "$pkg")" && timeout -s KILL 900 "$qemu" "$work/$target-$name.test" -test.count=1 >"$work/out" 2>&1); then
      cat "$work/out" >&2
      echo "FAIL $target $pkg" >&2
      exit 1
    fi
    echo "ok   $target $pkg ($(($(date +%s) - start)) s)"
  done
done
