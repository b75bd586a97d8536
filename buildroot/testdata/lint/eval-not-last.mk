# expect: must be the last statement
$(eval $(golang-package))
LINETAP_VERSION = 1
