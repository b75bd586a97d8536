# expect: second else
ifeq ($(BR2_arm),y)
LINETAP_X = 1
else
LINETAP_X = 2
else
LINETAP_X = 3
endif
$(eval $(golang-package))
