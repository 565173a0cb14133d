#!/usr/bin/env bash
# mini's selftest on 1 and 2 vCPUs: every check passes and the domain powers
# off (exit status 0).
. "$(dirname "$0")/lib.sh"
require_kvm

for n in 1 2; do
	run_hv "selftest$n" 120 --kernel "$MINI" --cmdline selftest --vcpus "$n" --memory 128
	expect_status "selftest$n" 0
	expect_line "selftest$n" '^selftest: [1-9][0-9]* passed, 0 failed$'
	expect_no_line "selftest$n" 'selftest: FAIL'
	grep -E '^selftest: ' "$WORK/selftest$n.out" | tail -1
done
expect_line selftest2 '^smp: all 2 vCPUs up'
echo "PASS"
