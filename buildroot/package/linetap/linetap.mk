################################################################################
#
# linetap
#
################################################################################

# The source is this repository (the BR2_EXTERNAL tree lives in its
# buildroot/ directory). Buildroot manual, "generic-package reference":
# LINETAP_SITE_METHOD = local copies LINETAP_SITE with rsync instead of
# downloading it. `make image` stages a clean copy with vendored modules
# and points LINETAP_OVERRIDE_SRCDIR at it (manual, "Using Buildroot during
# development": <pkg>_OVERRIDE_SRCDIR in local.mk).
LINETAP_VERSION = local
LINETAP_SITE = $(BR2_EXTERNAL_LINETAP_PATH)/..
LINETAP_SITE_METHOD = local
# Never copy the build outputs (bin/, where make image builds) or a local
# data directory into the package's build directory.
LINETAP_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = --exclude=/bin --exclude=/data
# The repository's LICENSE is the Apache License 2.0, verbatim (SPDX
# identifier Apache-2.0); linetap.hash holds its SHA-256, which Buildroot
# checks when it collects the licence files (make legal-info).
LINETAP_LICENSE = Apache-2.0
LINETAP_LICENSE_FILES = LICENSE

# Buildroot manual, "golang-package reference": LINETAP_GOMOD is the module
# path, LINETAP_BUILD_TARGETS each give one binary named after the last path
# element, LINETAP_INSTALL_BINS go to /usr/bin. In 2025.02 INSTALL_BINS
# defaults to the package name alone, so it is set; from 2025.11 it is
# derived from BUILD_TARGETS and must go (manual, "Migrating to 2025.11").
LINETAP_GOMOD = github.com/linetap/linetap
LINETAP_BUILD_TARGETS = cmd/linetapd cmd/linetap
LINETAP_INSTALL_BINS = linetapd linetap

# The version linetapd reports (and post-build.sh writes to
# /etc/linetap-release): LINETAP_RELEASE from the environment (make image
# sets it to git describe of the HEAD it builds), else git describe of the
# repository holding this tree.
LINETAP_APP_VERSION := $(or $(LINETAP_RELEASE),$(shell git -C $(BR2_EXTERNAL_LINETAP_PATH)/.. describe --always --dirty 2>/dev/null),unknown)
LINETAP_LDFLAGS = -X main.version=$(LINETAP_APP_VERSION)

LINETAP_TAGS =
LINETAP_CGO = 0

ifeq ($(BR2_PACKAGE_LINETAP_PORTAUDIO),y)
LINETAP_TAGS += portaudio
# The PortAudio binding finds the library with "#cgo pkg-config:
# portaudio-2.0": Buildroot's pkg-config (host-pkgconf, on the build PATH)
# answers for the target's staging directory.
LINETAP_DEPENDENCIES += alsa-lib portaudio host-pkgconf
LINETAP_CGO = 1
endif

ifeq ($(BR2_PACKAGE_LINETAP_OPUS),y)
LINETAP_TAGS += opus
LINETAP_DEPENDENCIES += opus
LINETAP_CGO = 1
endif

# Without cgo backends the binaries are static and need nothing from libc.
LINETAP_GO_ENV = CGO_ENABLED=$(LINETAP_CGO)

# Buildroot's Go build runs with GOFLAGS=-mod=vendor and GOPROXY=off. A
# download step would vendor the modules; a local source has no download
# step, so the vendor tree must already be there (make image puts it there).
define LINETAP_CHECK_VENDOR
	@test -f $(@D)/vendor/modules.txt || { \
		echo "linetap: $(@D)/vendor/modules.txt is missing: build through 'make image'," >&2; \
		echo "linetap: which stages the source and runs 'go mod vendor' before Buildroot runs." >&2; \
		exit 1; }
endef
LINETAP_PRE_BUILD_HOOKS += LINETAP_CHECK_VENDOR

# go.mod's go directive against the Go Buildroot installed (host-go):
# Buildroot builds offline (GOPROXY=off), so an older Go cannot fetch a
# newer toolchain and would stop with a less helpful error. Buildroot
# 2025.02.x ships Go 1.23.x; make image installs a newer one through
# HOST_GO_BIN_OVERRIDE_SRCDIR (docs/appliance.md, "Go version").
define LINETAP_CHECK_GO_VERSION
	@need=`sed -n 's/^go \([0-9][0-9.]*\)$$/\1/p' $(@D)/go.mod`; \
	have=`$(HOST_GO_ROOT)/bin/go env GOVERSION 2>/dev/null | sed 's/^go//'`; \
	if [ -z "$$have" ] || [ "`printf '%s\n%s\n' "$$have" "$$need" | sort -V | head -n1`" != "$$need" ]; then \
		echo "linetap: go.mod needs Go $$need, but Buildroot's host-go is '$$have'." >&2; \
		echo "linetap: build through 'make image', which installs a newer Go, or set" >&2; \
		echo "linetap: HOST_GO_BIN_OVERRIDE_SRCDIR (docs/appliance.md, \"Go version\")." >&2; \
		exit 1; fi
endef
LINETAP_PRE_BUILD_HOOKS += LINETAP_CHECK_GO_VERSION

LINETAP_CONFIG_FILE = $(call qstrip,$(BR2_PACKAGE_LINETAP_CONFIG))

define LINETAP_INSTALL_APPLIANCE_FILES
	$(INSTALL) -D -m 0644 $(LINETAP_CONFIG_FILE) \
		$(TARGET_DIR)/etc/linetap/linetap.json
	$(INSTALL) -D -m 0755 $(LINETAP_PKGDIR)/supervise \
		$(TARGET_DIR)/usr/libexec/linetap/supervise
endef
LINETAP_POST_INSTALL_TARGET_HOOKS += LINETAP_INSTALL_APPLIANCE_FILES

# Buildroot manual, "generic-package reference": <PKG>_INSTALL_INIT_SYSV
# installs the BusyBox/SysV init script.
define LINETAP_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(LINETAP_PKGDIR)/S99linetapd \
		$(TARGET_DIR)/etc/init.d/S99linetapd
endef

$(eval $(golang-package))
