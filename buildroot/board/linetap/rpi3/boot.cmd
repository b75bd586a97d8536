# boot.cmd: U-Boot script of the linetap appliance (Raspberry Pi 3 / CM3, 32-bit).
#
# A/B boot for RAUC (system.conf: bootloader=uboot). RAUC's U-Boot
# interface is three variables in the U-Boot environment (uboot.env on the
# boot partition): BOOT_ORDER, the slots to try in order ("A B" or "B A"),
# and BOOT_A_LEFT / BOOT_B_LEFT, the attempts left for each slot. This
# script takes one attempt from the first slot that has any, saves the
# environment and boots that slot's kernel with rauc.slot=<slot> on the
# command line; the running system gives the attempts back with
# `rauc status mark-good` once linetapd answers (supervise). A slot that
# fails three times in a row is therefore skipped. When both slots are
# used up, slot A is booted with linetap.nofallback, which stops the
# supervisor from rebooting again.
#
# Slot A is partition 2, slot B partition 3 (genimage.cfg.in, system.conf).

test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "A B"
test -n "${BOOT_A_LEFT}" || setenv BOOT_A_LEFT 3
test -n "${BOOT_B_LEFT}" || setenv BOOT_B_LEFT 3
test -n "${devtype}" || setenv devtype mmc
test -n "${devnum}" || setenv devnum 0

setenv linetap_slot
setenv linetap_extra
for s in ${BOOT_ORDER}; do
	if test -z "${linetap_slot}"; then
		if test "${s}" = "A" && test ${BOOT_A_LEFT} -gt 0; then
			setexpr BOOT_A_LEFT ${BOOT_A_LEFT} - 1
			setenv linetap_slot A
			setenv linetap_part 2
		elif test "${s}" = "B" && test ${BOOT_B_LEFT} -gt 0; then
			setexpr BOOT_B_LEFT ${BOOT_B_LEFT} - 1
			setenv linetap_slot B
			setenv linetap_part 3
		fi
	fi
done
if test -z "${linetap_slot}"; then
	echo "linetap: no slot has attempts left; booting A without fallback"
	setenv BOOT_A_LEFT 3
	setenv BOOT_B_LEFT 3
	setenv linetap_slot A
	setenv linetap_part 2
	setenv linetap_extra linetap.nofallback
fi
saveenv

setenv bootargs "console=ttyAMA0,115200 root=/dev/mmcblk0p${linetap_part} rootfstype=ext4 ro rootwait panic=5 rauc.slot=${linetap_slot} ${linetap_extra}"
echo "linetap: booting slot ${linetap_slot} (${devtype} ${devnum}:${linetap_part})"
load ${devtype} ${devnum}:${linetap_part} ${kernel_addr_r} /boot/zImage
# fdt_addr: the device tree the Raspberry Pi firmware prepared, with the
# config.txt overlays (RTC, watchdog, UART) applied.
bootz ${kernel_addr_r} - ${fdt_addr}
echo "linetap: slot ${linetap_slot} did not boot; resetting"
reset
