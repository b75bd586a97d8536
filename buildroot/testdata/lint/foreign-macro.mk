# expect: macro OTHER_HOOK is not prefixed LINETAP_
define OTHER_HOOK
endef
$(eval $(golang-package))
