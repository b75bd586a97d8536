# expect: variable FOO_VERSION is not prefixed LINETAP_
FOO_VERSION = 1
$(eval $(golang-package))
