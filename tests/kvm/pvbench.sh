#!/usr/bin/env bash
# mini's xsbench and evtbench modes, briefly: each measures what it says,
# in both ways of waiting for an event, and powers off.  The figures
# themselves are for docs/benchmarks.md, not checked here.
. "$(dirname "$0")/lib.sh"
require_kvm

ROUNDS=300
run_hv xsbench 120 --kernel "$MINI" --cmdline "xsbench=$ROUNDS"
expect_status xsbench 0
for how in irq poll; do
	expect_line xsbench "^pvbench: xenstore read \\($how\\): $ROUNDS in [0-9]+ us"
done
grep '^pvbench:' "$WORK/xsbench.out"

run_hv evtbench 120 --kernel "$MINI" --cmdline "evtbench=$ROUNDS"
expect_status evtbench 0
for what in 'IPI to self' 'xenstore round trip'; do
	for how in irq poll; do
		expect_line evtbench "^pvbench: $what \\($how\\): $ROUNDS in [0-9]+ us"
	done
done
grep '^pvbench:' "$WORK/evtbench.out"
echo "PASS"
