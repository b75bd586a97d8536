# linetap — see README.md. Every target works from a fresh clone with Go
# installed; `make test` is what CI runs.

GO      ?= go
BIN     := bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
PKGS    := ./...
# Build tags of test and check: `portaudio` builds the cgo PortAudio backend
# and its ALSA file-plugin test (needs portaudio19-dev), `opus` the Opus
# codec through libopus (needs libopus-dev); .ci/run installs both.
# `make test TAGS=` tests without cgo.
TAGS    ?= portaudio,opus
comma   := ,
PUREGO_TAGS = purego$(if $(strip $(TAGS)),$(comma)$(TAGS))

.PHONY: all build run test check bench cross cross-test arm-test fuzz clean powercut talkoff image buildroot-check hil hil-long loadtest

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/linetapd ./cmd/linetap

# Runs the appliance on the simulated line bank; the web UI's URL is printed.
run: build
	./$(BIN)/linetapd --data ./data

# The whole suite, with the race detector, after the static checks and the
# check of the appliance's Buildroot tree; then the signal processing again
# built without its assembly (-tags purego), as on CPUs without AVX2 and
# on ARM.
test: check buildroot-check
	$(GO) test -race -count=1 -tags '$(TAGS)' $(PKGS)
	$(GO) test -count=1 -tags '$(PUREGO_TAGS)' ./dsp/...

check:
	@bad=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$bad" ]; then echo "gofmt would change:"; echo "$$bad"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' $(PKGS)

# The power-cut test at full length: 100 SIGKILLs of a process recording
# eight lines (make test runs 10).
powercut:
	LINETAP_POWERCUT_ROUNDS=100 $(GO) test -count=1 -timeout 30m -run '^TestPowerCut$$' -v ./storage/

# Benchmarks; the figures go into BENCHMARKS.md.
# Issue 5's bounded load test: 200 API requests/s for 60 s over HTTPS while
# the simulator records 8 lines in real time; reports the p99 latency.
loadtest:
	$(GO) test -count=1 -tags load -run '^TestLoad$$' -v ./cmd/linetapd | grep -E '^(=== RUN|--- |\s+load_test|ok|FAIL|PASS)'

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# Every fuzz target for FUZZTIME each (default 10s).
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# DTMF talk-off: generate the speech and music corpus (espeak-ng, sox) into
# TALKOFF_DIR and count false digits per hour over it (BENCHMARKS.md).
TALKOFF_DIR ?=
talkoff:
	@dir="$(TALKOFF_DIR)"; [ -n "$$dir" ] || dir=$$(mktemp -d -t linetap-talkoff.XXXXXX); \
	./scripts/talkoff.sh "$$dir" && \
	LINETAP_TALKOFF_DIR="$$dir" $(GO) test -tags talkoff -count=1 -run '^TestTalkOff' -v ./dsp/dtmf/ ./dsp/tone/; \
	rc=$$?; [ -n "$(TALKOFF_DIR)" ] || rm -rf "$$dir"; exit $$rc

# ARM builds (linux/arm64, linux/arm GOARM=7) with cgo PortAudio, against a
# private sysroot of Debian's arm packages; cross-test runs both under
# qemu-user on a short WAV replay (scripts/cross-test.sh).
cross:
	scripts/cross.sh

cross-test:
	scripts/cross-test.sh

# The dsp packages' tests built for armv7 and arm64 and run under qemu-user:
# the appliance's CPUs take the scalar code paths and (armv7) a 32-bit int.
arm-test:
	scripts/arm-dsp-test.sh

# The appliance's Buildroot external tree, checked without Buildroot:
# structure, Config.in/.mk syntax, shellcheck, USB and first-boot scripts in
# a sandbox, and the init script starting the arm64 linetapd under
# qemu-aarch64-static (needs shellcheck, busybox-static and qemu-user-static).
buildroot-check:
	GO=$(GO) ./buildroot/check.sh

# The flashable appliance image (README.md, "Building the appliance image"):
# downloads Buildroot $(BUILDROOT_VERSION) and builds BOARD (rpi4-64 or
# rpi3) into bin/buildroot/BOARD/images. Needs network access.
BUILDROOT_VERSION ?= 2025.02.18
BOARD ?= rpi4-64
image:
	BUILDROOT_VERSION=$(BUILDROOT_VERSION) GO=$(GO) ./buildroot/image.sh $(BOARD)

# Hardware in the loop (docs/hardware.md, "Hardware-in-the-loop"): Debian's
# kernel under QEMU TCG with gpio-sim and snd-aloop, on each of HIL_ARCHES,
# each of HIL_TESTS (hil/run.sh: smoke, scenario, cardloss, overrun,
# twocard, gpio, long).
# scenario records hil/testdata/hil4.scn through alsa-lib and the GPIO
# character device with contact bounce and hook flashes; then each of
# HIL_FAULT_TESTS runs on each of HIL_FAULT_ARCHES (arm64 only by default:
# its guest keeps time by instruction count; about 1 min each): cardloss
# (the sound card removed mid-call, back as another card number), overrun
# (linetapd stopped past its capture buffer) and twocard (lines on two
# cards, the second unplugged mid-call: the first card's calls exact). On a shared host
# HIL_NICE=-10 keeps the amd64 guest (which runs on the host's clock) in
# real time. Needs qemu-system-x86 qemu-system-arm cpio
# gcc-aarch64-linux-gnu libc6-dev-arm64-cross and network access; the cache
# is HIL_CACHE (default ~/.cache/linetap-hil, about 0.7 GB). hil-long holds
# a line off-hook for minutes and splits an always-on line (its own
# target: about 5 min a run).
HIL_ARCHES ?= amd64 arm64
HIL_TESTS  ?= scenario
HIL_FAULT_ARCHES ?= arm64
HIL_FAULT_TESTS  ?= cardloss overrun twocard
hil:
	@for a in $(HIL_ARCHES); do for t in $(HIL_TESTS); do GO=$(GO) ./hil/run.sh $$a $$t || exit 1; done; done
	@for a in $(HIL_FAULT_ARCHES); do for t in $(HIL_FAULT_TESTS); do GO=$(GO) ./hil/run.sh $$a $$t || exit 1; done; done

hil-long:
	@for a in $(HIL_ARCHES); do GO=$(GO) ./hil/run.sh $$a long || exit 1; done

clean:
	rm -rf $(BIN)
