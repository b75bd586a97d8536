# expect: is never closed by endif
ifeq ($(BR2_arm),y)
LINETAP_X = 1
$(eval $(golang-package))
