# expect: hook LINETAP_MISSING is not defined
LINETAP_POST_BUILD_HOOKS += LINETAP_MISSING
$(eval $(golang-package))
