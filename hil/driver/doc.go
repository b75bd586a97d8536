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
// render (run on the host) renders a hw/sim scenario to raw audio and a
// line-event sidecar; scenario (in the VM) starts linetapd on the loopback
// and a gpio-sim bank, plays the audio while working the hook and ring
// inputs at the sidecar's times (with -faults: contact bounce and hook
// flashes; with -cardloss-at: the sound card unbound and its module
// reloaded mid-call), then compares `linetap calls --json`, `linetap
// audio` and linetapd's log with the scenario, echoing each call as a
// HIL-CALL line.
//
// twocard is the scenario on two loopback cards (lines 0–1 on the first,
// 2–3 on the second, recorded through linetapd's source.devices) with the
// second card unbound mid-call: the first card's calls must be exact and
// without a gap.
//
// gpio runs the scenario's line events through hw/gpiocdev's Sensor in the
// driver itself (no audio, no linetapd) and logs the hook edges' kernel
// timestamps; long holds a line off-hook for minutes while another
// records always and is split at max_call.
//
// The driver writes its edges from SCHED_FIFO threads at absolute times
// and checks that it kept them; when it did not (the host stalled the VM)
// the result is inconclusive and run.sh repeats the run.
//
// # Caveats
//
// It is built for the VM (linux, CGO_ENABLED=0) and runs as root there; on
// other systems it reports that it is not supported. Latencies it reports
// are measured under QEMU TCG and say nothing about a real board.
package main
