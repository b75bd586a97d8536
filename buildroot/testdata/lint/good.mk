# expect: ok
LINETAP_VERSION = 1
LINETAP_SITE = $(BR2_EXTERNAL_LINETAP_PATH)/..
LINETAP_LONG = a \
	b
ifeq ($(BR2_PACKAGE_LINETAP_OPUS),y)
LINETAP_TAGS += opus
else ifeq ($(BR2_PACKAGE_LINETAP_PORTAUDIO),y)
LINETAP_TAGS += portaudio
else
LINETAP_TAGS =
endif
define LINETAP_HOOK
	ifeq this is shell text, not make
	echo endif
endef
LINETAP_POST_INSTALL_TARGET_HOOKS += LINETAP_HOOK
$(eval $(golang-package))
