#!/usr/bin/env bash
# guests/mini's selftest under QEMU: the same image tern-hv runs, booted by
# QEMU's PVH loader with the console on the serial port.  Every check must
# pass and the guest must power off through isa-debug-exit, which makes QEMU
# exit with status 1 (a crash would give 3).
#
# Accelerator: QEMU's -accel kvm works with these machines' kvm_pvm (about
# 5 s per run, nearly all of it SeaBIOS, whose ring-0 code kvm_pvm emulates
# instruction by instruction); -accel tcg works too and takes under a
# second.  KVM is tried first when /dev/kvm is usable, because that is the
# configuration benchmarks compare against; if QEMU cannot start with it (no
# "mini: booting" line), the run is repeated with TCG.  A KVM run that boots
# and then fails is a failure and is not retried.
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64) || {
	[ "${CI:-}" = true ] && fail "qemu-system-x86_64 is not installed (CI=true)"
	echo "SKIP: qemu-system-x86_64 is not installed" >&2
	exit 77
}
[ -f "$MINI" ] || fail "$MINI does not exist"

# run_qemu ACCEL: boots mini with "selftest"; the console lands in
# $WORK/ACCEL.out and QEMU's exit status in $status.
run_qemu() {
	status=0
	timeout --signal=KILL 120 "$QEMU" -accel "$1" -kernel "$MINI" -append selftest \
		-nographic -serial stdio -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -m 128 \
		>"$WORK/$1.out" 2>&1 </dev/null || status=$?
}

qemu_fail() {
	echo "--- QEMU ($accel) output"
	cat -v "$WORK/$accel.out"
	fail "$*"
}

accel=tcg
if [ -c /dev/kvm ] && [ -w /dev/kvm ]; then
	accel=kvm
	run_qemu kvm
	if ! grep -aq 'mini: booting' "$WORK/kvm.out"; then
		echo "QEMU did not boot mini with KVM (status $status), using TCG:" >&2
		head -5 "$WORK/kvm.out" >&2
		accel=tcg
	fi
fi
[ "$accel" = tcg ] && run_qemu tcg

[ "$status" -ne 137 ] || qemu_fail "QEMU ($accel) did not finish in 120 s"
grep -aEq '^selftest: [1-9][0-9]* passed, 0 failed$' "$WORK/$accel.out" ||
	qemu_fail "no 'selftest: N passed, 0 failed' line"
! grep -aq 'selftest: FAIL' "$WORK/$accel.out" || qemu_fail "a check failed"
[ "$status" -eq 1 ] || qemu_fail "QEMU exit status $status, expected 1 (power-off)"
grep -aE '^selftest: [0-9]+ passed' "$WORK/$accel.out"
echo "PASS ($accel)"
