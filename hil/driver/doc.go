// Command driver is the test driver that runs inside the hardware-in-the-loop
// VM (see hil/run.sh and docs/hardware.md, "Hardware-in-the-loop"). The VM's
// /init loads gpio-sim and snd-aloop, creates the gpio-sim banks and then
// runs it; it prints one machine-readable line
//
//	HIL-RESULT {"test":"smoke","arch":"amd64","pass":true,"checks":[...]}
//
// on the console, which the host-side runner parses.
//
// # Tests
//
// smoke needs nothing of linetap: a generated multichannel file is played
// into hw:Loopback,0,0 with aplay while arecord captures hw:Loopback,1,0,
// and the capture must hold the file bit-identically at some offset (the
// capture latency); then every line of a gpio-sim bank is pulled up and down
// through sysfs and each edge must arrive, in order, through the GPIO
// character device (go-gpiocdev, uAPI v2).
//
// # Caveats
//
// It is built for the VM (linux, CGO_ENABLED=0) and runs as root there; on
// other systems it reports that it is not supported. Latencies it reports
// are measured under QEMU TCG and say nothing about a real board.
package main
