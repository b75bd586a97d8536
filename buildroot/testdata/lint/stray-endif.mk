# expect: endif without if
LINETAP_X = 1
endif
$(eval $(golang-package))
