################################################################################
#
# linetap BR2_EXTERNAL tree
#
# Buildroot manual, "Keeping customizations outside of Buildroot"
# (br2-external tree): external.mk is included by Buildroot's Makefile and
# pulls in the .mk file of every package of this tree.
#
################################################################################

include $(sort $(wildcard $(BR2_EXTERNAL_LINETAP_PATH)/package/*/*.mk))
