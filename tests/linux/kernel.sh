#!/usr/bin/env bash
# Debian's stock cloud kernel on 2 vCPUs, booted directly with the guest's
# initramfs and root disk, up to the moment it starts /init.  Everything a
# kernel does before user space goes through tern-hv: the hypercall patch,
# pvclock and the Xen timer, event channels and IPIs (the second vCPU comes
# up), the grant table, xenstore (xenbus sees the disk), the PV console,
# ACPI, and on kvm_pvm hosts the instruction assist.  Each milestone is
# printed with the seconds it took; the domain is destroyed at /init.
# (On kvm_pvm hosts user space cannot make system calls, docs/guests.md, so
# the tests that need a shell are in the suite "linux" only.)
. "$(dirname "$0")/lib.sh"

linux_cfg kernel "${DIRECT[@]}" "cmdline = \"$LINUX_CMDLINE\"" 'vcpus = 2'

stage "start"
start_linux kernel "" -- "$WORK/kernel.cfg" -v
milestone() {
	wait_for_line kernel "$1" 1 "$STAGE_SECS"
	stage "$2"
}
milestone 'Linux version 6\.' "kernel entered"
milestone 'Booting kernel on Xen PVH' "Xen PVH detected"
milestone 'console \[hvc0\] enabled' "PV console"
milestone 'smp: Brought up 1 node, 2 CPUs' "second vCPU up"
milestone 'clocksource: Switched to clocksource xen' "Xen clock"
milestone 'Device with no driver: device/vbd/51712' "xenbus sees the disk"
milestone 'Freeing unused kernel image' "kernel init done"
milestone 'Run /init as init process' "/init started"
kill -TERM "$pid"
wait_exit kernel 4
pid=
grep -E 'instructions completed for the guest' "$WORK/kernel.err" || true
echo "PASS"
