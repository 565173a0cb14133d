#!/usr/bin/env bash
# Bad kernels and configurations end tern-hv with status 1 and a clear
# message naming the problem, before any guest runs.
. "$(dirname "$0")/lib.sh"
require_kvm

expect_err() {
	[ "$status" -eq 1 ] || { show "$1"; fail "$1: exit status $status, expected 1"; }
	grep -q -- "$2" "$WORK/$1.err" || { show "$1"; fail "$1: no message matching '$2'"; }
}

run_hv missing 30 --kernel "$WORK/nonexistent"
expect_err missing 'nonexistent'

head -c 100 "$MINI" >"$WORK/truncated"
run_hv truncated 30 --kernel "$WORK/truncated"
expect_err truncated 'kernel'

printf 'kernel = "%s"\nmemory = "lots"\n' "$MINI" >"$WORK/bad.cfg"
run_hv badcfg 30 "$WORK/bad.cfg"
expect_err badcfg 'bad.cfg:2:'

run_hv badvcpus 30 --kernel "$MINI" --vcpus 0
expect_err badvcpus 'vcpus'

run_hv badcpuid 30 --kernel "$MINI" --cpuid 'host,nosuchflag=0'
expect_err badcpuid 'nosuchflag'

run_hv nokernel 30 --memory 64
expect_err nokernel 'kernel'
echo "PASS"
