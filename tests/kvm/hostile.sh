#!/usr/bin/env bash
# mini's hostile mode: every invalid hypercall gets Xen's error code, none is
# accepted, and tern-hv survives and powers the guest off normally.
. "$(dirname "$0")/lib.sh"
require_kvm

for n in 1 2; do
	run_hv "hostile$n" 120 --kernel "$MINI" --cmdline hostile --vcpus "$n"
	expect_status "hostile$n" 0
	expect_line "hostile$n" '^hostile: [1-9][0-9]* rejected, 0 accepted-wrongly$'
	expect_no_line "hostile$n" 'WRONG'
	grep -E '^hostile: [0-9]+ rejected' "$WORK/hostile$n.out"
done
echo "PASS"
