#!/usr/bin/env bash
# The domain control socket on a real domain, through tools/tern-ctl:
# info; log-dirty harvests (thousands of pages a second running, next to
# none paused); pause stops mini's dirty passes and unpause resumes them;
# the vCPU and device state read while paused; guest memory read through the passed
# memfd (hvm_start_info's magic at 0x8000); a vCPU state written back
# unchanged (pause, get, set, unpause) while the guest keeps verifying its
# passes; a shutdown request in xenstore; the stop notification with the
# reason, and tern-hv's exit status, for destroy and for a guest crash
# (started --paused); a save through the socket restored into an
# --incoming domain.
. "$(dirname "$0")/lib.sh"
require_kvm

CTL="$TERN_BUILD/tools/tern-ctl"
SOCK="$WORK/control.sock"
pid=
# A failure leaves no domain behind.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$WORK"' EXIT

# passes NAME: how many verified dirty passes the domain printed so far.
passes() {
	grep -Ec '^dirty: pass [0-9]+ verified' "$WORK/$1.out"
}

# start NAME ARGS...: runs tern-hv in the background with the control socket.
start() {
	local name=$1
	shift
	"$HV" --control-socket "$SOCK" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	show "$name"
	fail "$name: no control socket after 10 s"
}

# finish NAME STATUS: waits for tern-hv and checks its exit status.
finish() {
	status=0
	timeout 30 tail --pid="$pid" -f /dev/null || { kill -KILL "$pid"; fail "$1: still running"; }
	wait "$pid" || status=$?
	expect_status "$1" "$2"
}

ctl() {
	"$CTL" "$SOCK" "$@" || { show "$name"; fail "$name: tern-ctl $*"; }
}

# expect_stop REASON STATUS COMMAND...: a subscriber waits while COMMAND
# runs; it must hear REASON, and tern-hv must exit with STATUS.
expect_stop() {
	local reason=$1 st=$2 waiter
	shift 2
	ctl wait 60 >"$WORK/wait.out" &
	waiter=$!
	sleep 0.5
	ctl "$@"
	wait "$waiter" || fail "$name: tern-ctl wait failed"
	grep -qx "stopped: $reason" "$WORK/wait.out" ||
		fail "$name: notification '$(cat "$WORK/wait.out")', expected $reason"
	finish "$name" "$st"
}

# --- A running domain: info, pause, state, memory, round trip, shutdown.
name=dirty
start "$name" --kernel "$MINI" --cmdline dirty=16 --memory 128 --vcpus 1 \
	--xenstore-socket "$WORK/xs.sock"
wait_for_line "$name" '^dirty: pass [0-9]+ verified' 3 120
ctl info >"$WORK/info"
grep -qx 'state: running' "$WORK/info" || fail "info: $(cat "$WORK/info")"
grep -qx 'vcpus: 1' "$WORK/info" || fail "info: $(cat "$WORK/info")"
grep -qx 'memory: 128 MiB' "$WORK/info" || fail "info: $(cat "$WORK/info")"

# Log-dirty: mini rewrites its 16 MiB (4096 pages) every pass, many passes a
# second; paused, only the pages tern-hv keeps mapped for writing count.
ctl dirty 1 2 >"$WORK/harvests"
awk '{ if ($3 < 4096) exit 1 }' "$WORK/harvests" ||
	fail "too few dirty pages: $(cat "$WORK/harvests")"
cat "$WORK/harvests"

ctl pause
ctl info | grep -qx 'state: paused' || fail "info does not say paused"
ctl dirty 1 1 >"$WORK/harvests"
awk '{ if ($3 > 16) exit 1 }' "$WORK/harvests" ||
	fail "dirty while paused: $(cat "$WORK/harvests")"
before=$(passes "$name")
sleep 1.5
[ "$(passes "$name")" -eq "$before" ] || fail "dirty passes went on while paused"
ctl vcpu-get 0 "$WORK/vcpu0"
[ "$(stat -c %s "$WORK/vcpu0")" -eq 6424 ] || fail "vCPU state: wrong size"
ctl devices-get "$WORK/devices"
"$CTL" "$SOCK" vcpu-get 1 "$WORK/none" 2>"$WORK/ctl.err" && fail "vCPU 1 exists?"
grep -q 'no vCPU 1' "$WORK/ctl.err" || fail "vcpu-get 1: $(cat "$WORK/ctl.err")"
ctl unpause
wait_for_line "$name" '^dirty: pass [0-9]+ verified' $((before + 3)) 60
"$CTL" "$SOCK" vcpu-get 0 "$WORK/none" 2>"$WORK/ctl.err" && fail "vcpu-get while running"
grep -q 'pause it first' "$WORK/ctl.err" || fail "vcpu-get running: $(cat "$WORK/ctl.err")"

# hvm_start_info at 0x8000, read through the RAM memfd.
magic=$(ctl read 0x8000 4 | od -An -tx4 | tr -d ' ')
[ "$magic" = 336ec578 ] || fail "start_info magic at 0x8000: '$magic'"
ctl memory | grep -q '^0x000000000000-0x000007ffffff ram' || fail "memory map: $(ctl memory)"

# The same vCPU state written back, three times: the guest goes on verifying.
for round in 1 2 3; do
	ctl pause
	ctl vcpu-get 0 "$WORK/vcpu0"
	ctl vcpu-set 0 "$WORK/vcpu0"
	n=$(passes "$name")
	ctl unpause
	wait_for_line "$name" '^dirty: pass [0-9]+ verified' $((n + 3)) 60
done
expect_no_line "$name" 'CORRUPT'

# shutdown asks the guest through xenstore (mini does not act on it).
ctl shutdown reboot
[ "$(XENSTORED_PATH="$WORK/xs.sock" xenstore-read /local/domain/1/control/shutdown)" = reboot ] ||
	fail "control/shutdown not written"

# destroy: the subscriber hears why, tern-hv exits 4.
expect_stop destroy 4 destroy
grep -E '^dirty: pass' "$WORK/$name.out" | tail -1

# --- Started paused, unpaused, the guest crashes: notification and status 2.
name=crash
start "$name" --kernel "$MINI" --cmdline crash --paused
ctl info | grep -qx 'state: paused' || fail "--paused: not paused"
expect_stop crash 2 unpause

# --- Saved through the socket of one domain, restored into an --incoming
# one: RAM and the frames in holes written through the memfds, then the
# device and vCPU state.  The restored guest goes on from its pass number.
name=source
start "$name" --kernel "$MINI" --cmdline dirty=16 --memory 64
wait_for_line "$name" '^dirty: pass [0-9]+ verified' 2 120
ctl pause
ctl read 0 $((64 << 20)) >"$WORK/ram"
ctl memory | awk '$2 == "frame" { sub(/-.*/, "", $1); print $1 }' >"$WORK/frames"
while read -r gpa; do ctl read "$gpa" 4096 >"$WORK/frame.$gpa"; done <"$WORK/frames"
ctl vcpu-get 0 "$WORK/vcpu0"
ctl devices-get "$WORK/devices"
last=$(grep -Eo '^dirty: pass [0-9]+' "$WORK/$name.out" | tail -1 | grep -Eo '[0-9]+$')
expect_stop destroy 4 destroy

name=restored
start "$name" --kernel "$MINI" --cmdline dirty=16 --memory 64 --incoming
ctl info >"$WORK/info"
grep -qx 'state: paused' "$WORK/info" && grep -qx 'incoming: yes' "$WORK/info" ||
	fail "--incoming info: $(cat "$WORK/info")"
[ "$(ctl read 0x8000 4 | od -An -tx4 | tr -d ' ')" = 00000000 ] ||
	fail "--incoming wrote boot tables"
ctl write 0 "$WORK/ram"
while read -r gpa; do ctl write "$gpa" "$WORK/frame.$gpa"; done <"$WORK/frames"
ctl devices-set "$WORK/devices"
ctl vcpu-set 0 "$WORK/vcpu0"
ctl unpause
ctl info | grep -qx 'incoming: no' || fail "still incoming after unpause"
wait_for_line "$name" '^dirty: pass [0-9]+ verified' 3 120
first=$(grep -Eo '^dirty: pass [0-9]+' "$WORK/$name.out" | head -1 | grep -Eo '[0-9]+$')
[ "$first" -gt "$last" ] || fail "the restored guest started again (pass $first after $last)"
expect_no_line "$name" 'CORRUPT'
echo "restored: pass $last, then $(grep -E '^dirty: pass' "$WORK/$name.out" | tail -1)"
expect_stop destroy 4 destroy

# Start modes need a control socket.
"$HV" --kernel "$MINI" --paused >/dev/null 2>"$WORK/usage.err" && fail "--paused without a socket"
grep -q 'need a control socket' "$WORK/usage.err" || fail "--paused: $(cat "$WORK/usage.err")"
echo "PASS"
