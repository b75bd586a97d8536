# expect: define LINETAP_X is never closed by endef
define LINETAP_X
	echo
$(eval $(golang-package))
