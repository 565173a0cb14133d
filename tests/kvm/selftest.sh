#!/usr/bin/env bash
# mini's selftest on 1 and 2 vCPUs: every check passes and the domain powers
# off (exit status 0).  Then with a virtual disk (the block frontend reads
# it, without writing), and interactively (a line typed on the console
# reaches the guest through the console ring).
. "$(dirname "$0")/lib.sh"
require_kvm

# The checks of each paravirtual interface must have run, not been skipped.
PV_CHECKS="evtchn.loopback.send evtchn.ipi.self evtchn.mask_unmask evtchn.bind_virq.timer
time.singleshot_timer time.pvclock time.pvclock.rate time.wallclock gnttab.add_to_physmap.ram
gnttab.add_to_physmap.hole console.ring.output xenstore.read.name xenstore.write_read
xenstore.transaction.commit xenstore.watch xenstore.write.denied xenstore.directory.device
ring3.hypercall"
SMP_CHECKS="smp.vcpu1.events smp.ipi.vcpu1 evtchn.bind_vcpu time.pvclock.vcpus"

# passed NAME CHECK...: each check printed "selftest: ok CHECK".
passed() {
	local name=$1 c
	shift
	for c in "$@"; do
		expect_line "$name" "^selftest: ok ${c//./\\.}\$"
	done
}

# selftest NAME ARGS...: runs the selftest, which must pass.
selftest() {
	local name=$1
	shift
	run_hv "$name" 120 --kernel "$MINI" --memory 128 "$@"
	expect_status "$name" 0
	expect_line "$name" '^selftest: [1-9][0-9]* passed, 0 failed$'
	expect_no_line "$name" 'selftest: FAIL'
	grep -E '^selftest: [0-9]+ passed' "$WORK/$name.out"
}

for n in 1 2; do
	selftest "selftest$n" --cmdline selftest --vcpus "$n"
	# shellcheck disable=SC2086
	passed "selftest$n" $PV_CHECKS
done
expect_line selftest2 '^smp: all 2 vCPUs up'
# shellcheck disable=SC2086
passed selftest2 $SMP_CHECKS

truncate -s 8M "$WORK/disk.img"
selftest vbd --cmdline selftest --vcpus 2 --disk "vdev=xvda,target=$WORK/disk.img"
passed vbd vbd.connect vbd.read vbd.disconnect

# The line is typed once the guest asks for it (earlier, mini's console_io
# check would read it first).
mkfifo "$WORK/typed"
(
	for ((i = 0; i < 1200; i++)); do
		grep -q '^selftest: type a line' "$WORK/interactive.out" 2>/dev/null && break
		sleep 0.1
	done
	echo hello
	sleep 2
) >"$WORK/typed" &
HV_STDIN="$WORK/typed" selftest interactive --cmdline selftest=interactive
passed interactive console.ring.input
expect_line interactive '^selftest: read "hello" from the console$'
echo "PASS"
