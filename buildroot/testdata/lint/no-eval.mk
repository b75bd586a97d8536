# expect: want exactly one $(eval $(golang-package)), found 0
LINETAP_VERSION = 1
