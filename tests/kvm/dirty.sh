#!/usr/bin/env bash
# mini's dirty workload runs several verified passes (paced and unpaced) with
# no corruption, until the operator destroys the domain.
. "$(dirname "$0")/lib.sh"
require_kvm

for spec in "dirty=32" "dirty=16,rate=64"; do
	name=${spec//[=,]/_}
	"$HV" --kernel "$MINI" --cmdline "$spec" --memory 128 --vcpus 1 \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
	pid=$!
	wait_for_line "$name" '^dirty: pass [0-9]+ verified' 3 120
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	expect_status "$name" 4
	expect_no_line "$name" 'CORRUPT'
	grep -E '^dirty: pass' "$WORK/$name.out" | tail -1
done
echo "PASS"
