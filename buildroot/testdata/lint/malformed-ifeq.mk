# expect: malformed ifeq
ifeq $(BR2_arm),y
LINETAP_X = 1
endif
$(eval $(golang-package))
