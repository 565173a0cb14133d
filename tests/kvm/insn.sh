#!/usr/bin/env bash
# The instruction assist (hv/insn_assist.c, docs/insn-assist.md): mini's
# insntest runs in ring 0 every instruction the assist completes and checks
# each result (popcnt in three sizes and from memory, stac/clac, fwait,
# ldmxcsr/stmxcsr, int3's #BP with RIP after it), on 1 and 2 vCPUs.  On a
# kvm_pvm host the assist must have completed them (tern-hv says which and
# how many); elsewhere the CPU runs them and only the results are checked.
. "$(dirname "$0")/lib.sh"
require_kvm

for vcpus in 1 2; do
	name=insn$vcpus
	run_hv "$name" 120 --kernel "$MINI" --cmdline insntest --vcpus "$vcpus" -v
	expect_status "$name" 0
	expect_line "$name" '^insntest: 10 checks, 0 failed$'
	expect_no_line "$name" 'FAIL'
	if [ -e /sys/module/kvm_pvm ]; then
		for insn in popcnt stac clac fwait ldmxcsr stmxcsr int3; do
			grep -Eq "instructions completed for the guest:.* $insn [0-9]+" \
				"$WORK/$name.err" ||
				{ show "$name"; fail "$name: the assist did not complete $insn"; }
		done
	else
		! grep -q 'instructions completed' "$WORK/$name.err" ||
			{ show "$name"; fail "$name: the assist ran on a host without kvm_pvm"; }
	fi
done
echo "PASS"
